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
    // openid-client and what it imports ship only as ES modules; jest's CommonJS runtime (before
    // Node 24.9) cannot require them, so they are compiled like the tests. Node itself loads them as they are.
    '/node_modules/(openid-client|oauth4webapi|jose)/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60_000,
};
