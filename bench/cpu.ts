import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by the server (with its workers) and by PostgreSQL's processes on this machine. */
export interface CpuSample {
  server: number;
  postgres: number;
}

const TICKS = 100; // USER_HZ on Linux

/** Reads /proc; on a system without it every figure is 0 and the bench prints no CPU column. */
export function sampleCpu(serverPid: number): CpuSample {
  let server = 0;
  let postgres = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return { server: 0, postgres: 0 };
  }
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The command sits in parentheses and may hold spaces; fields after it are positional.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ppid = Number(fields[1]);
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS;
    if (Number(pid) === serverPid || ppid === serverPid) server += seconds;
    else if (command === 'postgres') postgres += seconds;
  }
  return { server, postgres };
}
