import cluster from 'node:cluster';
import { createApp, type App } from './app';
import { announceReady, runPrimary } from './cluster';
import { ConfigError, loadConfig } from './config';

/** Boot: config -> database -> app -> listen; SIGTERM/SIGINT drain and exit. */
async function main(): Promise<void> {
  // Loaded before forking too: a bad setting stops boot once, with one message.
  const config = loadConfig();
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    runPrimary({ workers: config.webConcurrency, logLevel: config.log.level });
    return;
  }

  let app: App | undefined;
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    // Still booting: nothing is served yet, and a migration in progress rolls back with its transaction.
    if (!app) process.exit(0);
    app.server.log.info({ reason }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error) => {
        app!.server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Before boot, so a signal during it is not lost to a library's listener; `on`, not `once`,
  // so a second signal during the drain does not fall through to the default (kill).
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A worker whose primary is gone has no one to restart or stop it: drain and leave.
  if (cluster.isWorker) process.on('disconnect', () => shutdown('primary gone'));

  const booted = await createApp(config);
  if (stopping) {
    await booted.close();
    process.exit(0);
  }
  app = booted;
  const url = await app.listen();
  app.server.log.info(
    { url, database: config.database.url ? 'postgresql' : 'embedded', mail: config.mail.smtpUrl ? 'smtp' : 'eml files' },
    'Girok Auth is ready',
  );
  if (cluster.isWorker) {
    announceReady(url);
  } else {
    // One human line: where to point a client.
    console.log(`Girok Auth listening: GraphQL at ${url}`);
  }
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
  } else {
    console.error('Girok Auth failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
