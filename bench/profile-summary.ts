import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  label: string;
  ms: number;
  share: number;
}

/** Self time per function and per package of one --cpu-prof file, largest first. */
export function summarizeProfile(file: string, top = 25): { total: number; functions: SelfTime[]; packages: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    // The idle loop is not work; leave it out so shares are of busy time.
    if (frame.functionName === '(idle)') return;
    total += us;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  });
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([label, us]) => ({ label, ms: us / 1000, share: us / total }));
  return { total: total / 1000, functions: rank(functions), packages: rank(packages) };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : relative(process.cwd(), path);
}

function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.replace(/.*node_modules\/(?=.*node_modules\/)/, ''));
  if (nm) return nm[1];
  return url.includes('/dist/src/') ? 'girok (src)' : url;
}

/** Prints the summary of every profile in a directory. */
export function printProfiles(dir: string, top = 25): void {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const { total, functions, packages } = summarizeProfile(join(dir, name), top);
    console.log(`\nprofile ${join(dir, name)}: ${total.toFixed(0)} ms busy`);
    console.log('  self time by package:');
    for (const p of packages.slice(0, 12)) console.log(`    ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.ms.toFixed(0).padStart(7)} ms  ${p.label}`);
    console.log('  self time by function:');
    for (const f of functions) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.label}`);
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node dist/bench/profile-summary.js <dir with .cpuprofile files> [top]');
    process.exit(2);
  }
  printProfiles(dir, Number(process.argv[3] ?? 25));
}
