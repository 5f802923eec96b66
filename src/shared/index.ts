export * from './errors.js';
export * from './config.js';
export * from './logger.js';
export * from './json.js';
export * from './slug.js';
export * from './llm.js';
