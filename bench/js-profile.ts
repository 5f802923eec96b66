/**
 * The JavaScript thread's CPU profile over a span of a benchmark (V8's sampling profiler through node:inspector),
 * read back as time by function: self time (where the samples fell) and inclusive time (the function anywhere on the
 * stack, counted once a sample), so a benchmark can say how much of its span went to named parts of the code. DuckDB's
 * threads are not sampled: this is the JavaScript's share only.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Time by function over the profiled span, in milliseconds. */
export interface JsTimes {
  /** Sampled time of the whole span. */
  total: number;
  /** Function (name, file:line) -> its self time. */
  self: Map<string, number>;
  /** Function name -> its inclusive time. */
  inclusive: Map<string, number>;
}

const label = (n: ProfileNode): string => {
  const file = n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
};

export function jsTimes(profile: Profile): JsTimes {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, k) => {
    const ms = (profile.timeDeltas[k] ?? 0) / 1000;
    total += ms;
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (name && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
  });
  return { total, self, inclusive };
}

/** Runs `fn` under the profiler (sampling every 100 µs); writes the profile to `path` when given. */
export async function profiled<T>(fn: () => Promise<T>, path?: string): Promise<{ value: T; times: JsTimes }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const stop = async (): Promise<JsTimes> => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    if (path) writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
    return jsTimes(profile);
  };
  let value: T;
  try {
    value = await fn();
  } catch (err) {
    await stop();
    throw err;
  }
  return { value, times: await stop() };
}
