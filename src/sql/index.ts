export { Sql, sql, raw, ident, join, listOf, compile, byDialect, precompiled, type SqlValue } from './sql.js';
export * from './dialect.js';
export * from './medians.js';
