export { Sql, sql, raw, ident, join, listOf, compile, byDialect, type SqlValue } from './sql.js';
export * from './dialect.js';
export * from './medians.js';
