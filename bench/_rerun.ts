import { Store } from '../src/store/index.js';
import { runPipeline } from '../src/pipeline/index.js';
const store = await Store.open({ path: '/work/main/bench/out/dashboard-1000000-1.duckdb', memoryLimit: '3GB' });
const c = process.cpuUsage(); const s = performance.now();
const r = await runPipeline(store, '2026-11-01 00:00:00');
const u = process.cpuUsage(c);
console.log('run', r.seconds, 'report s', Math.round(performance.now() - s), 'ms wall', Math.round((u.user + u.system) / 1000), 'ms cpu');
