import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { startEmbeddedDatabase } from '../../src/db/embedded';
import { migrate, ormOptions } from '../../src/db/orm';
import { startSmtpCapture } from '../support/smtp';
import { mailConfig, startWorker } from './support';

describe('outbox on the embedded database', () => {
  it('delivers mails enqueued by concurrent transactions while the worker runs', async () => {
    const embedded = await startEmbeddedDatabase(mkdtempSync(join(tmpdir(), 'girok-pglite-')));
    const smtp = await startSmtpCapture();
    const config = mailConfig(embedded.url, { SMTP_URL: smtp.url });
    const setup = await MikroORM.init(ormOptions(embedded.url, config));
    await migrate(setup);
    await setup.close();
    const worker = await startWorker(config, { pollIntervalMs: 60_000 });
    try {
      const recipients = Array.from({ length: 12 }, (_, i) => `embedded-${i}@example.test`);
      await Promise.all(
        recipients.map((to) =>
          worker.orm.em.fork().transactional(async (tx) => {
            await tx.execute('select 1');
            worker.outbox.enqueue(tx, { kind: 'verification-code', to, locale: 'en', code: '555000', expiresInMinutes: 10 });
          }),
        ),
      );
      for (const to of recipients) await smtp.waitFor((m) => m.to === to, 10_000);
      expect(smtp.messages).toHaveLength(12);
    } finally {
      await worker.stop();
      await smtp.close();
      await embedded.stop();
    }
  });
});
