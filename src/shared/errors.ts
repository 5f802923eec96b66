/** Expected failures carry a stable code, a one-line message and structured details; the CLI and server map them. */
export class SegmintError extends Error {
  /** Lines the CLI prints after the one-line message (a drafted mapping); the API has the same in `details`. */
  hint: string | undefined;

  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SegmintError';
  }
}

export class ValidationError extends SegmintError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('invalid_input', message, details);
  }
}

/**
 * A schema's failures as one ValidationError: each issue `path: message`, with `root` for the path of one about the
 * input as a whole, and all of them in `details.issues`. The shape of every invalid_input answer of a parsed input.
 */
export function invalidInput(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>, root: string): ValidationError {
  const listed = issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new ValidationError(listed.map((i) => `${i.path || root}: ${i.message}`).join('; '), { issues: listed });
}

/** A bad option value or argument: the CLI exits 2 for it, as for an unknown option; the API answers 400. */
export class UsageError extends ValidationError {}

export class NotFoundError extends SegmintError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('not_found', message, details);
  }
}

/** The one answer for a customer id the store lacks (or lacks as of a date), whichever command or route asked. */
export function customerNotFound(customerId: string, asOf?: string): NotFoundError {
  const at = asOf === undefined ? '' : ` as of ${asOf}`;
  return new NotFoundError(`customer "${customerId}" is not in the store${at}`, asOf === undefined ? { customer: customerId } : { customer: customerId, as_of: asOf });
}

/** A request that clashes with what is stored (a name already taken). */
export class ConflictError extends SegmintError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', message, details);
  }
}

/** A source file that cannot be imported as a whole (missing mapped column, unreadable file). */
export class ImportError extends SegmintError {
  constructor(message: string, details: { file: string } & Record<string, unknown>) {
    super('import_failed', message, details);
  }
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
