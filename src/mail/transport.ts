import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import type { RenderedMail } from './renderer';

/** A rendered mail addressed and stamped with the Message-ID of its outbox row. */
export interface OutgoingMail extends RenderedMail {
  to: string;
  messageId: string;
}

/** Hands a mail on; throws when it was not accepted, so the outbox retries it. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface TransportLogger {
  info(obj: object, msg: string): void;
}

/**
 * Time limits for one SMTP exchange. Together they stay well under the outbox lease, so a
 * row is never claimed again while a send of it may still be going on.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** SMTP when `SMTP_URL` is set; otherwise one `.eml` file per mail under `dataDir/mail`. */
export function createTransport(config: Config, log: TransportLogger): MailTransport {
  return config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl, config.mail.from) : fileTransport(config, log);
}

function smtpTransport(url: string, from: string): MailTransport {
  // Pooled: the worker sends one mail after another, and a new connection per mail costs
  // about 100 ms even on loopback (measured here), several times the send itself.
  const transporter = nodemailer.createTransport({ url, pool: true, maxConnections: 1, ...SMTP_TIMEOUTS });
  return {
    async send(mail) {
      await transporter.sendMail({ from, ...mail });
    },
    close: () => transporter.close(),
  };
}

function fileTransport(config: Config, log: TransportLogger): MailTransport {
  const dir = join(config.dataDir, 'mail');
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const { message } = await builder.sendMail({ from: config.mail.from, ...mail });
      await mkdir(dir, { recursive: true });
      // Named after the Message-ID (the outbox row), so a resend overwrites rather than doubles.
      const file = join(dir, `${mail.messageId.replace(/[^\w.@-]/g, "")}.eml`);
      await writeFile(file, message as Buffer, { mode: 0o600 });
      // The path only: the mail holds a code, and logs travel further than the data directory.
      log.info({ file }, 'mail written to file (no SMTP_URL set)');
    },
    close: () => undefined,
  };
}
