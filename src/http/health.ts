import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';

/** `/healthz`: the process answers. `/readyz`: the database answers too. */
export function registerHealthRoutes(server: FastifyInstance, orm: MikroORM): void {
  server.get('/healthz', async () => ({ status: 'ok' }));
  server.get('/readyz', async (request, reply) => {
    try {
      await orm.em.fork().getConnection().execute('select 1');
      return { status: 'ok', database: 'up' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check: database unreachable');
      return reply.code(503).send({ status: 'unavailable', database: 'down' });
    }
  });
}
