/**
 * Jest globalSetup: finds out once what this machine offers the tests (a real PostgreSQL, a
 * Redis, Chromium), says so in one line, and passes it to every test file through the
 * environment; test/support/requirements.ts turns it into a skip with the reason printed.
 */
const { existsSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { connect } = require('node:net');

module.exports = async function globalSetup() {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.GIROK_TEST_REDIS = (await redisAnswers(redisUrl)) ? '' : `no Redis answers PING at ${redisUrl} (start one, or set TEST_REDIS_URL)`;
  process.env.GIROK_TEST_POSTGRES = process.env.TEST_DATABASE_URL
    ? ''
    : 'it needs a real PostgreSQL: set TEST_DATABASE_URL (the default run uses embedded PGlite)';
  process.env.GIROK_TEST_REDIS_SERVER = onPath('redis-server') ? '' : 'the redis-server program is not installed (apt-get install -y redis-server)';
  process.env.GIROK_TEST_CHROMIUM = existsSync('/usr/bin/chromium') ? '' : '/usr/bin/chromium is missing (apt-get install -y chromium)';
  // Where the first test file that needs one makes the run's migrated PGlite template; the
  // others copy it (test/support/database.ts, seedEmbeddedDatabase).
  if (!process.env.TEST_DATABASE_URL && !process.env.GIROK_TEST_PGLITE_TEMPLATE) {
    process.env.GIROK_TEST_PGLITE_TEMPLATE = mkdtempSync(join(tmpdir(), 'girok-template-'));
  }
  const database = process.env.TEST_DATABASE_URL
    ? `PostgreSQL at ${new URL(process.env.TEST_DATABASE_URL).host} (TEST_DATABASE_URL)`
    : 'embedded PGlite (no TEST_DATABASE_URL)';
  const redis = process.env.GIROK_TEST_REDIS ? 'no Redis' : `Redis at ${new URL(redisUrl).host}`;
  const chromium = process.env.GIROK_TEST_CHROMIUM ? 'no Chromium' : 'Chromium';
  console.log(`\ntests: Node ${process.version}, ${database}, ${redis}, ${chromium}`);
};

function onPath(program) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/${program}`));
}

/** True when a Redis at `url` answers PING within a second (a raw RESP exchange, no client library). */
function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname || '127.0.0.1');
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
