const { availableParallelism } = require('node:os');

/** Tests run TypeScript through swc, which emits the decorator metadata type-graphql and MikroORM read. */
module.exports = {
  // Test files mostly wait (on HTTP, SMTP, timers, TOTP steps), so two run side by side even on
  // two cores; more than four only adds contention for the timing of the ones that measure.
  maxWorkers: Math.max(2, Math.min(4, availableParallelism() - 1)),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60_000,
};
