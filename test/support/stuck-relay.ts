import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StuckRelay {
  url: string;
  /** Recipients of the mails it accepted, in order. */
  accepted: string[];
  /** How many exchanges it holds hostage right now. */
  stuck(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP peer on loopback that misbehaves on purpose: for a recipient whose address
 * contains `stuck`, it answers RCPT TO with `250-` continuation lines for ever, a reply that
 * never finishes yet keeps the socket busy (so no idle timeout fires). Every other mail it
 * accepts like any relay. Only the SMTP it needs: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
 */
export async function startStuckRelay(): Promise<StuckRelay> {
  const accepted: string[] = [];
  const sockets = new Set<Socket>();
  const hostages = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    let recipient = '';
    socket.write('220 stuck-relay ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          accepted.push(recipient);
          socket.write('250 2.0.0 accepted\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-stuck-relay\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO' || verb === 'MAIL' || verb === 'RSET' || verb === 'NOOP') socket.write('250 2.0.0 ok\r\n');
        else if (verb === 'RCPT') {
          recipient = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (recipient.includes('stuck')) {
            const timer = setInterval(() => socket.writable && socket.write('250-still thinking about it\r\n'), 200);
            hostages.add(timer);
            socket.once('close', () => {
              clearInterval(timer);
              hostages.delete(timer);
            });
            return;
          }
          socket.write('250 2.1.5 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
        } else socket.write('502 not here\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    stuck: () => hostages.size,
    close: () => {
      for (const timer of hostages) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
