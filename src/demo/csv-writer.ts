import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/** Quotes a field only when RFC 4180 requires it (a comma, quote or line break inside), doubling inner quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Rows are packed into byte chunks of this size: one stream write per chunk keeps stream overhead negligible. */
const CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * Appends CSV text to a file through byte chunks. Text is encoded into the current chunk as it comes, so no long
 * string is ever built (V8 would keep a large concatenation as a tree of fragments that outlives the young
 * generation, and collecting it then dominates the run). Callers append whole rows and, whenever the writer is
 * `full`, await `flush`, which hands the chunks to the stream and waits for it to drain: memory stays bounded by about
 * one chunk plus the stream's buffer however large the file grows.
 */
export class CsvFileWriter {
  private readonly stream: WriteStream;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private readonly sealed: Buffer[] = [];
  private failure: Error | undefined;

  constructor(path: string, columns: readonly string[]) {
    this.stream = createWriteStream(path);
    // Recorded rather than thrown: an 'error' with no listener would crash the process outside any await.
    this.stream.on('error', (err) => {
      this.failure ??= err;
    });
    this.append(`${columns.join(',')}\n`);
  }

  append(text: string): void {
    // UTF-16 length times three bounds the UTF-8 size, which spares measuring the common small append.
    let room = this.chunk.length - this.used;
    if (text.length * 3 > room) {
      const bytes = Buffer.byteLength(text);
      if (bytes > room) {
        this.seal(Math.max(CHUNK_BYTES, bytes));
        room = this.chunk.length;
      }
    }
    this.used += this.chunk.write(text, this.used);
  }

  /** A chunk is complete: time to `flush`. Checked synchronously so the row loop does not await per row. */
  get full(): boolean {
    return this.sealed.length > 0;
  }

  /** Writes the completed chunks, waiting for the stream to drain when its own buffer is full. */
  async flush(): Promise<void> {
    for (const chunk of this.sealed.splice(0)) {
      if (this.failure) throw this.failure;
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.seal(0);
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }

  /** Releases the file after a failure elsewhere; whatever was written stays as is. */
  abort(): void {
    this.stream.destroy();
  }

  /** Queues the filled part of the current chunk and starts a new one of `size` bytes. */
  private seal(size: number): void {
    if (this.used > 0) this.sealed.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(size);
    this.used = 0;
  }
}
