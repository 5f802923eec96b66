/** The demo store generator: a seeded, deterministic synthetic fashion shop for trying and benchmarking Segmint. */
export { generateDemo, DEFAULT_END, type DemoOptions, type DemoFiles } from './generate.js';
export { PERSONAS, LIFECYCLES, type Persona, type Lifecycle } from './personas.js';
export { importDemoFiles, type DemoFileSet } from './import.js';
