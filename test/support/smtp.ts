import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the capture server accepted, parsed the way a mail client would see it. */
export interface CapturedMail {
  to: string;
  /** The SMTP envelope's recipients (RCPT TO), which decide where the mail really goes. */
  envelopeTo: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
  raw: string;
}

export interface SmtpCapture {
  /** `smtp://127.0.0.1:<port>`, ready for SMTP_URL. */
  url: string;
  port: number;
  /** Every accepted message, in arrival order. */
  messages: CapturedMail[];
  /** Resolves with the first message (already received or still to come) that matches. */
  waitFor(predicate: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** While on, every message is rejected with a temporary 451, as a struggling relay would. */
  setRefusing(on: boolean): void;
  /** Holds each message this long before answering, like a slow relay. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/**
 * Starts a real SMTP server on loopback that keeps what it receives; on a free port unless
 * one is given (to bring a stopped server back where clients expect it).
 */
export async function startSmtpCapture(options: { port?: number } = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<(mail: CapturedMail) => void>();
  let refusing = false;
  let delayMs = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    // Clients with pooled connections keep them open; closing should not wait on them.
    closeTimeout: 200,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => setTimeout(accept, delayMs));
      function accept() {
        if (refusing) {
          const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const mail: CapturedMail = {
              to: addressText(parsed.to),
              envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
              from: addressText(parsed.from),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              headers: parsed.headers,
              raw: raw.toString('utf8'),
            };
            messages.push(mail);
            for (const notify of [...waiters]) notify(mail);
            callback();
          })
          .catch(callback);
      }
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  // The server logs socket errors itself; without a listener they would crash the test run.
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      const seen = messages.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const check = (mail: CapturedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(mail);
        };
        waiters.add(check);
      });
    },
    setRefusing(on) {
      refusing = on;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type AddressField = { text: string } | { text: string }[] | undefined;

function addressText(field: AddressField): string {
  if (!field) return '';
  return Array.isArray(field) ? field.map((a) => a.text).join(', ') : field.text;
}
