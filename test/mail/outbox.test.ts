import type { Config } from '../../src/config';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createMailDatabase, eventually, mailConfig, outboxRows, startWorker } from './support';

let database: { url: string; drop(): Promise<void> };
let smtp: SmtpCapture;
let config: Config;

beforeAll(async () => {
  database = await createMailDatabase();
  smtp = await startSmtpCapture();
  config = mailConfig(database.url, { SMTP_URL: smtp.url });
});

afterAll(async () => {
  await smtp.close();
  await database.drop();
});

let counter = 0;
const address = (label: string) => `${label}-${++counter}@example.test`;

describe('outbox', () => {
  it('delivers a code mail with both parts in the recipient language, woken by the commit', async () => {
    // A poll this slow means only the commit wake-up can deliver within the wait below.
    const worker = await startWorker(config, { pollIntervalMs: 60_000 });
    try {
      const to = address('ko');
      await worker.orm.em.fork().transactional(async (tx) => {
        worker.outbox.enqueue(tx, { kind: 'verification-code', to, locale: 'ko', code: '482915', expiresAt: new Date(Date.now() + 600_000) });
      });
      const mail = await smtp.waitFor((m) => m.to === to, 3_000);
      expect(mail.subject).toBe('Girok 인증 코드');
      expect(mail.text).toContain('482915');
      expect(mail.text).toContain('10분');
      expect(mail.html).toContain('482915');
      expect(mail.html).toContain('<html lang="ko"');
      expect(mail.html).toContain('10분');
      expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@girok\.test>$/);
    } finally {
      await worker.stop();
    }
  });

  it('wakes for a mail enqueued in a nested transaction or by a plain flush', async () => {
    const worker = await startWorker(config, { pollIntervalMs: 60_000 });
    try {
      const nested = address('nested');
      await worker.orm.em.fork().transactional(async (tx) => {
        await tx.transactional(async (inner) => worker.outbox.enqueue(inner, { kind: 'password-changed', to: nested, locale: 'en' }));
      });
      await smtp.waitFor((m) => m.to === nested, 3_000);

      const flushed = address('flushed');
      const em = worker.orm.em.fork();
      worker.outbox.enqueue(em, { kind: 'password-changed', to: flushed, locale: 'ko' });
      await em.flush();
      const mail = await smtp.waitFor((m) => m.to === flushed, 3_000);
      expect(mail.subject).toBe('Girok 비밀번호가 변경되었습니다');
    } finally {
      await worker.stop();
    }
  });

  it('sends nothing for a transaction that rolled back', async () => {
    const worker = await startWorker(config);
    try {
      const to = address('rolled-back');
      await expect(
        worker.orm.em.fork().transactional(async (tx) => {
          worker.outbox.enqueue(tx, { kind: 'password-changed', to, locale: 'en' });
          await tx.flush();
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      const sentinel = address('after');
      await worker.orm.em.fork().transactional(async (tx) => worker.outbox.enqueue(tx, { kind: 'password-changed', to: sentinel, locale: 'en' }));
      await smtp.waitFor((m) => m.to === sentinel);
      expect(smtp.messages.filter((m) => m.to === to)).toHaveLength(0);
    } finally {
      await worker.stop();
    }
  });

  it('keeps the code sealed until sent, then drops it', async () => {
    const worker = await startWorker(config);
    smtp.setRefusing(true);
    try {
      const to = address('sealed');
      await worker.orm.em.fork().transactional(async (tx) => {
        worker.outbox.enqueue(tx, { kind: 'password-reset-code', to, locale: 'en', code: '777123', expiresAt: new Date(Date.now() + 600_000) });
      });
      const [pending] = (await outboxRows(worker.orm)).filter((r) => r.recipient === to);
      expect(pending.code_sealed).toBeInstanceOf(Buffer);
      expect(pending.code_sealed.toString('latin1')).not.toContain('777123');
      smtp.setRefusing(false);
      await smtp.waitFor((m) => m.to === to);
      await eventually(async () => {
        const [sent] = (await outboxRows(worker.orm)).filter((r) => r.recipient === to);
        expect(sent.status).toBe('sent');
        expect(sent.code_sealed).toBeNull();
      });
      expect(JSON.stringify(worker.log.lines)).not.toContain('777123');
    } finally {
      smtp.setRefusing(false);
      await worker.stop();
    }
  });

  it('retries while the SMTP server refuses and delivers once it accepts', async () => {
    const worker = await startWorker(config);
    smtp.setRefusing(true);
    try {
      const to = address('refused');
      await worker.orm.em.fork().transactional(async (tx) => {
        worker.outbox.enqueue(tx, { kind: 'verification-code', to, locale: 'en', code: '135790', expiresAt: new Date(Date.now() + 600_000) });
      });
      await eventually(() => expect(worker.log.lines.some((l) => l.msg.includes('will retry'))).toBe(true));
      smtp.setRefusing(false);
      const mail = await smtp.waitFor((m) => m.to === to);
      expect(mail.text).toContain('135790');
    } finally {
      smtp.setRefusing(false);
      await worker.stop();
    }
  });

  it('delivers mail queued while the SMTP server was down once it is back', async () => {
    const down = await startSmtpCapture();
    const port = down.port;
    await down.close();
    const worker = await startWorker(mailConfig(database.url, { SMTP_URL: `smtp://127.0.0.1:${port}` }));
    try {
      const to = address('down');
      await worker.orm.em.fork().transactional(async (tx) => worker.outbox.enqueue(tx, { kind: 'registration-attempt', to, locale: 'en' }));
      await eventually(() => expect(worker.log.lines.some((l) => l.msg.includes('will retry'))).toBe(true));
      const back = await startSmtpCapture({ port });
      try {
        const mail = await back.waitFor((m) => m.to === to);
        expect(mail.subject).toBe('Someone tried to register with your Girok address');
      } finally {
        await back.close();
      }
    } finally {
      await worker.stop();
    }
  });

  it('marks a mail failed once it has been retried for MAIL_RETRY_FOR, and logs it', async () => {
    const worker = await startWorker(mailConfig(database.url, { SMTP_URL: smtp.url, MAIL_RETRY_FOR: '1' }));
    smtp.setRefusing(true);
    try {
      const to = address('failed');
      await worker.orm.em.fork().transactional(async (tx) => {
        worker.outbox.enqueue(tx, { kind: 'verification-code', to, locale: 'en', code: '246810', expiresAt: new Date(Date.now() + 600_000) });
      });
      await eventually(async () => {
        const [row] = (await outboxRows(worker.orm)).filter((r) => r.recipient === to);
        expect(row.status).toBe('failed');
        expect(row.attempts).toBeGreaterThanOrEqual(2);
        expect(row.code_sealed).toBeNull();
      });
      expect(worker.log.lines.some((l) => l.level === 'error' && l.msg.includes('giving up'))).toBe(true);
    } finally {
      smtp.setRefusing(false);
      await worker.stop();
    }
  });

  it('never sends a row twice with two workers on one database', async () => {
    const first = await startWorker(config);
    const second = await startWorker(config);
    try {
      const recipients = Array.from({ length: 60 }, () => address('many'));
      await first.orm.em.fork().transactional(async (tx) => {
        for (const to of recipients) first.outbox.enqueue(tx, { kind: 'password-changed', to, locale: 'en' });
      });
      await eventually(() => expect(smtp.messages.filter((m) => recipients.includes(m.to))).toHaveLength(60), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const delivered = smtp.messages.filter((m) => recipients.includes(m.to));
      expect(delivered).toHaveLength(60);
      expect(new Set(delivered.map((m) => m.messageId)).size).toBe(60);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('stops gracefully: the send in flight finishes, the rest of the batch is handed back', async () => {
    const worker = await startWorker(config);
    smtp.setDelay(1_000);
    try {
      const recipients = [address('stop'), address('stop'), address('stop')];
      await worker.orm.em.fork().transactional(async (tx) => {
        for (const to of recipients) worker.outbox.enqueue(tx, { kind: 'password-changed', to, locale: 'en' });
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await worker.outbox.stop();
      expect(smtp.messages.filter((m) => recipients.includes(m.to))).toHaveLength(1);
      const rows = (await outboxRows(worker.orm)).filter((r) => recipients.includes(r.recipient));
      expect(rows.map((r) => r.status).sort()).toEqual(['pending', 'pending', 'sent']);
      for (const row of rows.filter((r) => r.status === 'pending')) {
        expect(row.attempts).toBe(0);
        expect(row.claimed_by).toBeNull();
        expect(new Date(row.next_attempt_at).getTime()).toBeLessThanOrEqual(Date.now());
      }
    } finally {
      smtp.setDelay(0);
      await worker.orm.close();
    }
  });
});
