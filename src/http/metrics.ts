import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics';

/** `GET /metrics` in Prometheus text format; with a token configured, only for `Authorization: Bearer <token>`. */
export function registerMetricsRoute(server: FastifyInstance, metrics: Metrics, token: string | null): void {
  // Compared as digests so neither the length nor the content leaks through timing.
  const expected = token ? digest(`Bearer ${token}`) : null;
  server.get('/metrics', async (request, reply) => {
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'Unauthorized' });
    }
    const text = await metrics.scrape();
    return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
