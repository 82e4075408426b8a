import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { MailConfig } from '../config';
import type { RenderedMail } from './renderer';

/** A rendered mail addressed and stamped with the Message-ID of its outbox row. */
export interface OutgoingMail extends RenderedMail {
  /** Exactly one address, in its one spelling (users/email-address.ts). */
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

/** Idle limits within one SMTP exchange; the whole exchange is bounded by MAIL_SEND_TIMEOUT on top. */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** SMTP when `SMTP_URL` is set; otherwise one `.eml` file per mail under `dataDir/mail`. */
export function createTransport(settings: MailConfig, dataDir: string, log: TransportLogger): MailTransport {
  return settings.smtpUrl ? smtpTransport(settings.smtpUrl, settings.from, settings.sendTimeout) : fileTransport(settings.from, dataDir, log);
}

/** The SMTP envelope: the sender's bare address, and exactly the one recipient, never a parse of a header. */
function envelope(from: string, to: string) {
  return { from: addressparser(from)[0]?.address ?? from, to: [to] };
}

function smtpTransport(url: string, from: string, sendTimeoutSeconds: number): MailTransport {
  // Pooled: the worker sends one mail after another, and a new connection per mail costs
  // about 100 ms even on loopback (measured here), several times the send itself.
  const transporter = nodemailer.createTransport({ url, pool: true, maxConnections: 1, ...SMTP_TIMEOUTS });
  return {
    async send(mail) {
      // nodemailer's timeouts are idle timeouts: a relay that keeps talking without ever
      // finishing its reply would hold this send, and every mail behind it, for ever. The
      // signal bounds the whole exchange; on abort nodemailer closes that connection.
      const signal = AbortSignal.timeout(sendTimeoutSeconds * 1000);
      try {
        await transporter.sendMail({ from, ...mail, envelope: envelope(from, mail.to), signal });
      } catch (error) {
        if (signal.aborted) throw new SendTimeoutError(sendTimeoutSeconds);
        throw error;
      }
    },
    close: () => transporter.close(),
  };
}

/** A send that took longer than MAIL_SEND_TIMEOUT in all. */
export class SendTimeoutError extends Error {
  constructor(seconds: number) {
    super(`the SMTP exchange took longer than MAIL_SEND_TIMEOUT (${seconds} s)`);
    this.name = 'SendTimeoutError';
  }
}

function fileTransport(from: string, dataDir: string, log: TransportLogger): MailTransport {
  const dir = join(dataDir, 'mail');
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const { message } = await builder.sendMail({ from, ...mail, envelope: envelope(from, mail.to) });
      await mkdir(dir, { recursive: true });
      // Named after the Message-ID (the outbox row), so a resend overwrites rather than doubles.
      const file = join(dir, `${mail.messageId.replace(/[^\w.@-]/g, '')}.eml`);
      await writeFile(file, message as Buffer, { mode: 0o600 });
      // The path only: the mail holds a code, and logs travel further than the data directory.
      log.info({ file }, 'mail written to file (no SMTP_URL set)');
    },
    close: () => undefined,
  };
}
