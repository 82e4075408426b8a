import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface SelfTime {
  label: string;
  ms: number;
  share: number;
}

/** A measured stretch of one scenario: its samples, divided by its answers, give time per request. */
export interface ProfiledScenario {
  name: string;
  webConcurrency: number;
  requests: number;
  /** µs of the monotonic clock, the clock of a --cpu-prof file's timestamps. */
  window: { from: number; to: number };
}

interface Tally {
  total: number;
  functions: Map<string, number>;
  packages: Map<string, number>;
  layers: Map<string, number>;
}

/**
 * One --cpu-prof file, read once. Each sample is tallied three ways: by the function it was in
 * (self time), by that function's package, and by **layer**: the nearest frame on its stack that
 * belongs to a package (or to a folder of ours), so the time Node spends on a library's behalf (a
 * socket write, a hash, a promise job) counts for the library that asked for it. The layers
 * answer "where does a request's time go": Fastify, Apollo, graphql, type-graphql, our code, pg.
 */
class Profile {
  private readonly byId: Map<number, ProfileNode>;
  private readonly parentOf = new Map<number, number>();
  private readonly layerOf = new Map<number, string>();

  constructor(private readonly profile: CpuProfile) {
    this.byId = new Map(profile.nodes.map((n) => [n.id, n]));
    for (const node of profile.nodes) for (const child of node.children ?? []) this.parentOf.set(child, node.id);
  }

  static read(file: string): Profile {
    return new Profile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  }

  /** The samples taken between `from` and `to` (µs, monotonic), or all of them. */
  tally(from = -Infinity, to = Infinity): Tally {
    const tally: Tally = { total: 0, functions: new Map(), packages: new Map(), layers: new Map() };
    let at = this.profile.startTime;
    this.profile.samples.forEach((id, i) => {
      const us = this.profile.timeDeltas[i] ?? 0;
      at += us;
      if (at < from || at > to) return;
      const frame = this.byId.get(id)!.callFrame;
      // The idle loop is not work; leave it out so shares are of busy time.
      if (frame.functionName === '(idle)') return;
      tally.total += us;
      const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
      add(tally.functions, `${frame.functionName || '(anonymous)'} ${where}`.trim(), us);
      add(tally.packages, packageOf(frame.url, frame.functionName), us);
      // GC and the VM's own bookkeeping have no JavaScript stack to walk.
      add(tally.layers, frame.functionName.startsWith('(') ? frame.functionName : this.layerAt(id), us);
    });
    return tally;
  }

  private layerAt(id: number): string {
    const known = this.layerOf.get(id);
    if (known !== undefined) return known;
    const frame = this.byId.get(id)!.callFrame;
    const parent = this.parentOf.get(id);
    // A stack with no package on it at all (a socket flushed by the event loop, a promise job).
    const layer = layerName(frame.url, frame.functionName) ?? (parent === undefined ? '(no package on the stack)' : this.layerAt(parent));
    this.layerOf.set(id, layer);
    return layer;
  }
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function rank(map: Map<string, number>, total: number, top: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([label, us]) => ({ label, ms: us / 1000, share: us / total }));
}

/** A frame's layer: its package, or `girok <folder>` for ours; undefined for Node's own and native frames. */
function layerName(url: string, name: string): string | undefined {
  const pkg = packageOf(url, name);
  if (pkg === 'node core' || pkg.startsWith('(')) return undefined;
  if (pkg === 'girok (src)') return `girok ${/\/dist\/src\/([^/]+)\//.exec(url)?.[1] ?? 'src'}`;
  return pkg;
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

const line = (t: SelfTime) => `    ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.ms.toFixed(0).padStart(7)} ms  ${t.label}`;

/**
 * Prints the summary of every profile in a directory: the whole run, then, for each scenario
 * measured while it ran, server CPU per answer by layer and the functions that took most.
 */
export function printProfiles(dir: string, scenarios: readonly ProfiledScenario[] = [], top = 25): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const profiles = files.map((name) => ({ name, profile: Profile.read(join(dir, name)) }));
  for (const { name, profile } of profiles) {
    const tally = profile.tally();
    console.log(`\nprofile ${join(dir, name)}: ${(tally.total / 1000).toFixed(0)} ms busy (start-up, accounts and every scenario)`);
    console.log('  self time by package:');
    for (const p of rank(tally.packages, tally.total, 12)) console.log(line(p));
    console.log('  time by layer (a sample goes to the nearest package on its stack):');
    for (const l of rank(tally.layers, tally.total, 16)) console.log(line(l));
    console.log('  self time by function:');
    for (const f of rank(tally.functions, tally.total, top)) console.log(line(f));
  }
  for (const scenario of scenarios) {
    // Every process of the server (WEB_CONCURRENCY > 1 writes one file each) served this scenario's answers.
    const merged: Tally = { total: 0, functions: new Map(), packages: new Map(), layers: new Map() };
    for (const { profile } of profiles) {
      const tally = profile.tally(scenario.window.from, scenario.window.to);
      merged.total += tally.total;
      for (const key of ['functions', 'layers'] as const) for (const [label, us] of tally[key]) add(merged[key], label, us);
    }
    if (merged.total === 0 || scenario.requests === 0) continue;
    const perRequest = (t: SelfTime) =>
      `    ${((t.ms * 1000) / scenario.requests).toFixed(1).padStart(7)} µs  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.label}`;
    console.log(
      `\n${scenario.name} (wc ${scenario.webConcurrency}), measured part only: ${(merged.total / scenario.requests).toFixed(0)} µs of sampled server CPU per answer, by layer:`,
    );
    for (const l of rank(merged.layers, merged.total, top)) console.log(perRequest(l));
    console.log('  by function (self):');
    for (const f of rank(merged.functions, merged.total, top)) console.log(perRequest(f));
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node dist/bench/profile-summary.js <dir with .cpuprofile files> [top]');
    process.exit(2);
  }
  const saved = join(dir, 'scenarios.json');
  const scenarios = existsSync(saved) ? (JSON.parse(readFileSync(saved, 'utf8')) as ProfiledScenario[]) : [];
  printProfiles(dir, scenarios, Number(process.argv[3] ?? 25));
}
