import { createApp } from './app';
import { ConfigError, loadConfig } from './config';

/** Boot: config -> database -> app -> listen; SIGTERM/SIGINT drain and exit. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const url = await app.listen();
  app.server.log.info({ url, database: config.database.url ? 'postgresql' : 'embedded', mail: config.mail.smtpUrl ? 'smtp' : 'eml files' }, 'Girok Auth is ready');
  // One human line: where to point a client.
  console.log(`Girok Auth listening: GraphQL at ${url}`);

  const shutdown = (signal: string) => {
    app.server.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error) => {
        app.server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
  } else {
    console.error('Girok Auth failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
