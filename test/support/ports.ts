import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;

/**
 * A port for a server a test must name before it starts (an origin in another server's
 * settings, a provider's redirect URL). It is chosen below the kernel's ephemeral range
 * (`net.ipv4.ip_local_port_range`, 32768–60999 here), where `listen(0)` and every outgoing
 * connection get their ports: a port from `listen(0)`, closed and listened on again a moment
 * later, was once taken in between by a connection of a test running in parallel (EADDRINUSE
 * in a CI run). Down here only another explicit choice could take it, and those are random.
 */
export async function freePort(): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${highest}`);
}

function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > LOWEST + 1000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
