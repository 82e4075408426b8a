/** Jest globalSetup: one line saying what this run tests on, so a log shows it at a glance. */
module.exports = async function announce() {
  const database = process.env.TEST_DATABASE_URL
    ? `PostgreSQL at ${new URL(process.env.TEST_DATABASE_URL).host} (TEST_DATABASE_URL)`
    : 'embedded PGlite (no TEST_DATABASE_URL)';
  console.log(`\ntests: Node ${process.version}, ${database}, Redis tests at ${process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'}`);
};
