import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../support/server';

// Finding 3: a client may not hold a connection for ever, nor open without end.
let server: TestServer;
let target: URL;
beforeAll(async () => {
  server = await startTestServer({ HTTP_REQUEST_TIMEOUT: '2', HTTP_MAX_CONNECTIONS_PER_IP: '3' });
  target = new URL(server.url);
});
afterAll(() => server?.close());

function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

describe('slow and greedy clients', () => {
  it('answers 408 and closes a POST whose body trickles in past HTTP_REQUEST_TIMEOUT', async () => {
    const { socket, received, closed } = await open();
    socket.write(`POST /graphql HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`);
    // A byte a second keeps an idle timeout from ever firing; the request deadline still does.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 500);
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((done) => setTimeout(() => done('still open after 8 s'), 8_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(outcome).toBe('closed');
    expect(received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes headers that never finish', async () => {
    const { socket, closed } = await open();
    socket.write(`GET /healthz HTTP/1.1\r\nhost: ${target.host}\r\nx-slow: `);
    const trickle = setInterval(() => socket.writable && socket.write('a'), 500);
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((done) => setTimeout(() => done('still open after 8 s'), 8_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(outcome).toBe('closed');
  });

  it('closes a connection past HTTP_MAX_CONNECTIONS_PER_IP at once, and serves the ones within it', async () => {
    const held = await Promise.all([open(), open(), open()]);
    const extra = await open();
    const outcome = await Promise.race([extra.closed.then(() => 'closed'), new Promise((done) => setTimeout(() => done('still open'), 3_000))]);
    expect(outcome).toBe('closed');
    held[0].socket.write(`GET /healthz HTTP/1.1\r\nhost: ${target.host}\r\nconnection: close\r\n\r\n`);
    await held[0].closed;
    expect(held[0].received()).toMatch(/^HTTP\/1\.1 200/);
    for (const { socket } of held) socket.destroy();
  });
});
