import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, RouteHandlerMethod } from 'fastify';
import type { SocketRoute } from './websocket';

/** The project root: the nearest folder above this file with a package.json (src/ or dist/src/). */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Where `npm run build` (scripts/build-ide.ts) leaves the GraphiQL bundle. */
export const DEFAULT_IDE_ASSETS_DIR = resolve(projectRoot(), 'dist/ide');

// Only what the bundle needs: its own script and styles, fetches to this origin. Inline
// styles are allowed because CodeMirror positions its cursor and gutters with style attributes.
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Girok Auth · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphql/ide/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/ide/graphiql.js"></script>
</body>
</html>
`;

const ASSETS: Record<string, string> = {
  'graphiql.js': 'text/javascript; charset=utf-8',
  'graphiql.css': 'text/css; charset=utf-8',
};

/**
 * GraphiQL on `GET /graphql` for a browser (Accept: text/html), from assets this server
 * bundles itself, so it works offline and behind a strict CSP. `POST /graphql` stays the API.
 */
export function registerIdeRoutes(server: FastifyInstance, assetsDir = DEFAULT_IDE_ASSETS_DIR, socket?: SocketRoute): void {
  const cache = new Map<string, Buffer>();
  const asset = (name: string): Buffer | null => {
    if (!cache.has(name)) {
      const file = resolve(assetsDir, name);
      if (!existsSync(file)) return null;
      cache.set(name, readFileSync(file));
    }
    return cache.get(name)!;
  };
  if (!asset('graphiql.js')) {
    server.log.warn({ assetsDir }, 'GraphiQL assets are missing; run `npm run build` to bundle them');
  }

  const page: RouteHandlerMethod = async (request, reply) => {
    if (!/\btext\/html\b/i.test(request.headers.accept ?? '')) {
      return reply.code(405).header('allow', 'POST').send({ error: 'Send GraphQL operations with POST /graphql' });
    }
    if (!asset('graphiql.js')) return reply.code(503).type('text/plain').send('GraphiQL is not built: run `npm run build`');
    return securePage(reply).type('text/html; charset=utf-8').send(PAGE);
  };
  // With realtime on, an upgrade of GET /graphql is the subscription socket; other GETs get the page.
  if (socket) server.route({ method: 'GET', url: '/graphql', handler: page, wsHandler: socket.wsHandler, preValidation: socket.preValidation });
  else server.get('/graphql', page);

  server.get<{ Params: { file: string } }>('/graphql/ide/:file', async (request, reply) => {
    const type = ASSETS[request.params.file];
    const body = type ? asset(request.params.file) : null;
    if (!type || !body) return reply.code(404).send({ error: 'Not found' });
    return reply.type(type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
  });
}

function securePage(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}
