import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { startStuckRelay } from '../support/stuck-relay';
import { createMailDatabase, eventually, mailConfig, outboxRows, startWorker } from '../mail/support';

// Findings 4, 5 and 6: mail that a misbehaving relay or a long outage must not lose or double.
let database: { url: string; drop(): Promise<void> };
let smtp: SmtpCapture;
beforeAll(async () => {
  database = await createMailDatabase();
  smtp = await startSmtpCapture();
});
afterAll(async () => {
  await smtp?.close();
  await database?.drop();
});

let counter = 0;
const address = (label: string) => `${label}-${++counter}@example.test`;
const inTenMinutes = () => new Date(Date.now() + 600_000);

describe('a relay that never finishes its reply', () => {
  it('abandons the send at MAIL_SEND_TIMEOUT, releases the row for a retry, and the mails behind it go out', async () => {
    const relay = await startStuckRelay();
    const worker = await startWorker(mailConfig(database.url, { SMTP_URL: relay.url, MAIL_SEND_TIMEOUT: '2', MAIL_LEASE: '5' }), { retryBaseMs: 60_000 });
    try {
      const [stuck, fine] = [address('stuck'), address('fine')];
      await worker.orm.em.fork().transactional(async (tx) => {
        worker.outbox.enqueue(tx, { kind: 'password-changed', to: stuck, locale: 'en' });
        worker.outbox.enqueue(tx, { kind: 'password-changed', to: fine, locale: 'en' });
      });
      await eventually(() => expect(relay.accepted).toContain(fine), 15_000);
      const [row] = (await outboxRows(worker.orm)).filter((r) => r.recipient === stuck);
      expect(row).toMatchObject({ status: 'pending', claimed_by: null });
      expect(row.last_error).toContain('MAIL_SEND_TIMEOUT');
      // The stuck exchange was hung up on, not left holding a socket.
      await eventually(() => expect(relay.stuck()).toBe(0));
    } finally {
      await worker.stop();
      await relay.close();
    }
  });
});

describe('a long SMTP outage', () => {
  it('keeps retrying a mail hours into the outage, at most MAIL_RETRY_MAX_BACKOFF apart', async () => {
    // Retries far apart, so only the test decides when the next try falls due.
    const worker = await startWorker(mailConfig(database.url, { SMTP_URL: smtp.url }), { retryBaseMs: 120_000 });
    smtp.setRefusing(true);
    try {
      const to = address('outage');
      await worker.orm.em.fork().transactional(async (tx) => worker.outbox.enqueue(tx, { kind: 'registration-attempt', to, locale: 'en' }));
      await refusedOnce(worker.orm, to);
      // Five hours and 40 tries into the outage, the next try falls due.
      await worker.orm.em
        .getKnex()
        .raw(`update mail_outbox set created_at = now() - interval '5 hours', attempts = 40, next_attempt_at = now() where recipient = ?`, [to]);
      worker.outbox.wake();
      await eventually(async () => expect((await outboxRows(worker.orm)).find((r) => r.recipient === to)!.attempts).toBe(41));
      const [row] = (await outboxRows(worker.orm)).filter((r) => r.recipient === to);
      expect(row.status).toBe('pending');
      expect(new Date(row.next_attempt_at).getTime() - Date.now()).toBeLessThanOrEqual(300_000);

      smtp.setRefusing(false);
      await worker.orm.em.getKnex().raw(`update mail_outbox set next_attempt_at = now() where recipient = ?`, [to]);
      worker.outbox.wake();
      await smtp.waitFor((m) => m.to === to);
    } finally {
      smtp.setRefusing(false);
      await worker.stop();
    }
  });

  it('drops a code mail whose code expired during the outage instead of sending it late', async () => {
    const worker = await startWorker(mailConfig(database.url, { SMTP_URL: smtp.url }), { retryBaseMs: 120_000 });
    smtp.setRefusing(true);
    try {
      const to = address('expired-code');
      await worker.orm.em.fork().transactional(async (tx) => {
        worker.outbox.enqueue(tx, { kind: 'verification-code', to, locale: 'en', code: '404404', expiresAt: inTenMinutes() });
      });
      await refusedOnce(worker.orm, to);
      await worker.orm.em.getKnex().raw(`update mail_outbox set expires_at = now() - interval '1 second', next_attempt_at = now() where recipient = ?`, [to]);
      smtp.setRefusing(false);
      worker.outbox.wake();
      await eventually(async () => expect((await outboxRows(worker.orm)).find((r) => r.recipient === to)!.status).toBe('expired'));
      const [row] = (await outboxRows(worker.orm)).filter((r) => r.recipient === to);
      expect(row.code_sealed).toBeNull();
      const sentinel = address('sentinel');
      await worker.orm.em.fork().transactional(async (tx) => worker.outbox.enqueue(tx, { kind: 'password-changed', to: sentinel, locale: 'en' }));
      await smtp.waitFor((m) => m.to === sentinel);
      expect(smtp.messages.filter((m) => m.to === to)).toEqual([]);
    } finally {
      smtp.setRefusing(false);
      await worker.stop();
    }
  });
});

/** Resolves once the row for `to` has been tried, refused and put back for a later retry. */
async function refusedOnce(orm: Parameters<typeof outboxRows>[0], to: string): Promise<void> {
  await eventually(async () =>
    expect((await outboxRows(orm)).find((r) => r.recipient === to)).toMatchObject({ claimed_by: null, last_error: expect.any(String) }),
  );
}

describe('a slow relay and two workers', () => {
  it('sends every mail once: a claim leases one send, not a whole batch', async () => {
    // Each send takes 1.5 s; a batch lease of 3 s would run out under the rows still waiting.
    const config = mailConfig(database.url, { SMTP_URL: smtp.url, MAIL_LEASE: '3', MAIL_SEND_TIMEOUT: '2' });
    const first = await startWorker(config);
    const second = await startWorker(config);
    smtp.setDelay(1_500);
    try {
      const recipients = Array.from({ length: 6 }, () => address('slow'));
      await first.orm.em.fork().transactional(async (tx) => {
        for (const to of recipients) first.outbox.enqueue(tx, { kind: 'password-changed', to, locale: 'en' });
      });
      await eventually(() => expect(smtp.messages.filter((m) => recipients.includes(m.to))).toHaveLength(6), 30_000);
      smtp.setDelay(0);
      const sentinel = address('sentinel');
      await first.orm.em.fork().transactional(async (tx) => first.outbox.enqueue(tx, { kind: 'password-changed', to: sentinel, locale: 'en' }));
      await smtp.waitFor((m) => m.to === sentinel);
      const delivered = smtp.messages.filter((m) => recipients.includes(m.to));
      expect(delivered).toHaveLength(6);
      expect(new Set(delivered.map((m) => m.messageId)).size).toBe(6);
    } finally {
      smtp.setDelay(0);
      await Promise.all([first.stop(), second.stop()]);
    }
  }, 60_000);
});
