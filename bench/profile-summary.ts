import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Where a CPU profile's self time went, by package or file, most first. */
export interface ProfileShare {
  readonly where: string;
  readonly percent: number;
}

/** Groups a frame by what owns it: an npm package, an rbmkit file, Node's internals, or GC/idle. */
function owner(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName === '(garbage collector)' ? 'V8: garbage collection' : functionName === '(idle)' ? 'idle' : `V8: ${functionName || 'native'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return `npm: ${pkg[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const own = /\/(core|plugins)\/(.+?)\.(?:ts|js)/.exec(url);
  if (own !== null) return `rbmkit: ${own[1]}/${own[2]}`;
  return url;
}

/**
 * Reads a .cpuprofile and sums self time by owner.
 *
 * @example
 * summarizeProfile('bench/results/profile/x.cpuprofile').slice(0, 10);
 */
export function summarizeProfile(file: string): ProfileShare[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const where = owner(node.callFrame);
    if (where === 'idle') return;
    const dt = profile.timeDeltas[i] ?? 0;
    time.set(where, (time.get(where) ?? 0) + dt);
    total += dt;
  });
  return [...time]
    .map(([where, t]) => ({ where, percent: (100 * t) / total }))
    .sort((a, b) => b.percent - a.percent);
}
