import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database';
import { sql } from '../db/sql';

/** `/healthz`: the process answers. `/readyz`: the database answers too. */
export function registerHealthRoutes(server: FastifyInstance, database: Database): void {
  server.get('/healthz', async () => ({ status: 'ok' }));
  server.get('/readyz', async (request, reply) => {
    try {
      await sql(database.fork(), 'select 1');
      return { status: 'ok', database: 'up' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check: database unreachable');
      return reply.code(503).send({ status: 'unavailable', database: 'down' });
    }
  });
}
