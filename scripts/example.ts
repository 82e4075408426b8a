import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, existsSync(resolve(__dirname, '../package.json')) ? '..' : '../..');
const APP_DIR = resolve(ROOT, 'examples/apollo-client/app');

export interface ExampleServer {
  /** The app's origin, e.g. http://localhost:5173: list it in the auth server's CORS_ORIGINS. */
  origin: string;
  close(): Promise<void>;
}

/** Bundles the example app (Apollo Client, the cookie-mode session) with esbuild, in memory. */
export async function bundleExample(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [resolve(APP_DIR, 'main.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

/**
 * Serves the example app on its own origin, as a frontend dev server would: the page, its script
 * and its style, with a CSP that lets it talk only to the auth server at `apiUrl`.
 */
export async function serveExample(options: { apiUrl: string; port?: number; host?: string }): Promise<ExampleServer> {
  const script = await bundleExample();
  const html = readFileSync(resolve(APP_DIR, 'index.html'), 'utf8').replace('__GIROK_URL__', escapeAttribute(options.apiUrl));
  const css = readFileSync(resolve(APP_DIR, 'app.css'), 'utf8');
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', html],
    '/app.js': ['text/javascript; charset=utf-8', script],
    '/app.css': ['text/css; charset=utf-8', css],
  };
  const csp = `default-src 'self'; connect-src 'self' ${new URL(options.apiUrl).origin}; frame-ancestors 'none'`;
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://x').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[0], 'content-security-policy': csp, 'cache-control': 'no-store' }).end(file[1]);
  });
  const host = options.host ?? 'localhost';
  // A port already taken is an error to report, not a hang.
  await new Promise<void>((done, fail) => server.once('error', fail).listen(options.port ?? 5173, host, () => done()));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://${host}:${port}`, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

if (require.main === module) {
  // The one place this script reads the environment: where the auth server is, and its own port.
  const apiUrl = process.env.GIROK_URL ?? 'http://localhost:4000/graphql';
  const port = Number(process.env.EXAMPLE_PORT ?? 5173);
  serveExample({ apiUrl, port }).then(
    ({ origin }) => {
      console.log(`example app at ${origin}, talking to ${apiUrl}`);
      console.log(`start the auth server with CORS_ORIGINS=${origin}`);
    },
    (error) => {
      console.error('starting the example app failed:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
