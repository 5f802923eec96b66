import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LogFn, Logger } from 'pino';

const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * A request's logger that makes its pino child (bound to the request id, redacting as the parent does) only when it
 * first writes a line. Fastify asks for one per request; pino's child copies and redacts its bindings at once, about
 * 2.5 KB a request, spent for nothing at the server's default level (warn), where a request that goes well writes no
 * line. The line, when written, is the child's own: same bindings, same redaction, same level.
 */
class LazyChildLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;
  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.made().child(bindings, options);
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.made().level = level;
  }

  silent(): void {}

  made(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  /** Whether a line at `level` would be written; without a child yet, its level is the parent's. */
  writes(level: Level): boolean {
    return ((this.#child as Logger | undefined) ?? this.parent).isLevelEnabled(level);
  }
}

// On the prototype, one function a level for all requests rather than closures made per request.
for (const level of LEVELS) {
  Object.defineProperty(LazyChildLogger.prototype, level, {
    value: function (this: LazyChildLogger, ...args: Parameters<LogFn>) {
      if (this.writes(level)) this.made()[level](...args);
    },
  });
}

/** Fastify's childLoggerFactory for a pino logger: the lazy child above, or pino's own when a route sets its level. */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (parent, bindings, options) =>
  options.level === undefined ? new LazyChildLogger(parent as unknown as Logger, bindings, options) : parent.child(bindings, options);
