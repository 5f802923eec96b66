/**
 * An open-loop load generator: requests start at a constant rate whatever the answers do, and each latency is counted
 * from the instant its request was due, so a stalled server is charged for every request it delayed (no coordinated
 * omission). autocannon's `overallRate` is not this: each connection sends its share of a second back to back and
 * then idles, so "1,000 req/s" there is a burst of saturation at every second's start, whose queueing set the p99
 * (10 ms on a server that answers a constant in microseconds; docs/benchmarks.md).
 */
import { Agent, request } from 'node:http';

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PacedResult {
  /** Requests answered per second over the measured time. */
  rate: number;
  /** Latency percentiles in milliseconds, from each request's due instant to its last byte. */
  p50: number;
  p99: number;
  max: number;
  /** Answers other than 2xx, connection errors and timeouts. */
  errors: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** `rate` requests a second for `seconds` against `url`, the i-th made by `next(i)`, over at most `connections` sockets. */
export async function pacedLoad(url: string, rate: number, seconds: number, next: (i: number) => PacedRequest, connections = 64): Promise<PacedResult> {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const interval = 1000 / rate;
  let sent = 0;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  await new Promise<void>((finish) => {
    const settle = (i: number, due: number, ok: boolean) => {
      latencies[i] = performance.now() - due;
      if (!ok) errors++;
      if (++done === total) finish();
    };
    const send = (i: number, due: number) => {
      const r = next(i);
      const req = request({ agent, hostname, port, method: r.method, path: r.path, headers: r.headers, timeout: 10_000 }, (res) => {
        res.on('data', () => {});
        res.on('end', () => settle(i, due, res.statusCode! >= 200 && res.statusCode! < 300));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => settle(i, due, false));
      req.end(r.body);
    };
    const tick = () => {
      const now = performance.now();
      for (; sent < total && start + sent * interval <= now; sent++) send(sent, start + sent * interval);
      // setTimeout wakes a millisecond late or more, which would be charged to the server; polling is on time.
      if (sent < total) setImmediate(tick);
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort();
  return { rate: total / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[total - 1]!, errors };
}
