import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startSmtpCapture } from '../support/smtp';
import { createMailDatabase, mailConfig } from './support';

const FIXTURES = join(__dirname, 'fixtures');

describe('outbox across processes', () => {
  it('delivers the mails of a SIGKILLed process, including one it was sending, from a new process', async () => {
    const database = await createMailDatabase();
    const config = mailConfig(database.url);
    // An SMTP server that accepts the connection and never greets: the first process is
    // caught in the middle of a send, holding its claimed rows, when it is killed.
    const stalled = await stallingServer();
    const smtp = await startSmtpCapture();
    // A short lease, so the rows the killed process claimed come due again quickly.
    const lease = { MAIL_LEASE: '3', MAIL_SEND_TIMEOUT: '2' };
    const first = spawnWorker(['enqueue', '5'], { DATABASE_URL: database.url, SMTP_URL: stalled.url, DATA_DIR: config.dataDir, ...lease });
    const second: ChildProcess[] = [];
    try {
      await stalled.connected;
      await readyLine(first);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(smtp.messages).toHaveLength(0);

      second.push(spawnWorker(['work'], { DATABASE_URL: database.url, SMTP_URL: smtp.url, DATA_DIR: config.dataDir, ...lease }));
      for (let i = 0; i < 5; i++) {
        const mail = await smtp.waitFor((m) => m.to === `killed-${i}@example.test`, 15_000);
        expect(mail.text).toContain(String(100000 + i));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(smtp.messages).toHaveLength(5);

      // A graceful stop ends the process on its own.
      second[0].kill('SIGTERM');
      const code = await new Promise((resolve) => second[0].once('exit', resolve));
      expect(code).toBe(0);
    } finally {
      for (const child of [first, ...second]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await stalled.close();
      await smtp.close();
      await database.drop();
    }
  });
});

function spawnWorker(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['-r', join(FIXTURES, 'swc-register.js'), join(FIXTURES, 'outbox-process.ts'), ...args], {
    env: { ...process.env, NODE_ENV: 'test', JWT_SECRET: 'j'.repeat(48), CODE_SECRET: 'c'.repeat(48), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child;
}

function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)));
  });
}

async function stallingServer(): Promise<{ url: string; connected: Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let onConnect!: () => void;
  const connected = new Promise<void>((resolve) => (onConnect = resolve));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connected,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
