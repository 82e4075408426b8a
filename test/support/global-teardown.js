/** Jest globalTeardown: removes the run's template database (see global-setup.js). */
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const template = process.env.GIROK_TEST_PGLITE_TEMPLATE;
  if (template) rmSync(template, { recursive: true, force: true });
};
