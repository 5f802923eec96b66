export { Sql, sql, raw, ident, join, listOf, compile, duckdbDialect, type Dialect, type SqlValue } from './sql.js';
