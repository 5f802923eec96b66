// The server's defaults that the CLI's options name, in a module of their own so that `segmint --help` loads no server.

/** The workspace whose store is the CLI's `--db`. */
export const DEFAULT_WORKSPACE = 'default';

/**
 * 1 GiB of request body (compressed, if the file is sent gzipped): a large shop's full order history as .csv.gz,
 * while a runaway client still cannot fill the disk. The file is streamed to a temporary file, never held in memory.
 */
export const DEFAULT_IMPORT_BODY_LIMIT = 1024 ** 3;
