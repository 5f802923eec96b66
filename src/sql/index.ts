export { sql, raw, ident, join, listOf, byDialect } from './sql.js';
export { Sql, type Dialect, type SqlValue } from './types.js';
export { compile } from './compile.js';
export * from './dialect.js';
export * from './medians.js';
