export { Sql, sql, raw, ident, join, compile, duckdbDialect, type Dialect, type SqlValue } from './sql.js';
