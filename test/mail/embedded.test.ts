import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../src/db/database';
import { startEmbeddedDatabase } from '../../src/db/embedded';
import { entities } from '../../src/entities';
import { startSmtpCapture } from '../support/smtp';
import { mailConfig, startWorker } from './support';

describe('outbox on the embedded database', () => {
  it('delivers mails enqueued by concurrent transactions while the worker runs', async () => {
    const embedded = await startEmbeddedDatabase(mkdtempSync(join(tmpdir(), 'girok-pglite-')));
    const smtp = await startSmtpCapture();
    const config = mailConfig(embedded.url, { SMTP_URL: smtp.url });
    const setup = await Database.open(config.database, config.dataDir, entities);
    await setup.migrate();
    await setup.close();
    const worker = await startWorker(config, { pollIntervalMs: 60_000 });
    try {
      const recipients = Array.from({ length: 12 }, (_, i) => `embedded-${i}@example.test`);
      await Promise.all(
        recipients.map((to) =>
          worker.orm.em.fork().transactional(async (tx) => {
            await tx.execute('select 1');
            worker.outbox.enqueue(tx, { kind: 'verification-code', to, locale: 'en', code: '555000', expiresAt: new Date(Date.now() + 600_000) });
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
