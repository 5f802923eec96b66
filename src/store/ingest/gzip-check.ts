import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, type Gunzip } from 'node:zlib';

export interface Truncation {
  /** The complete lines before the break, decompressed into a plain file that is read instead. */
  prefixPath: string;
  completeLines: number;
}

function gunzipStream(path: string): Gunzip {
  const gunzip = createGunzip();
  const input = createReadStream(path);
  input.on('error', (err) => gunzip.destroy(err));
  return input.pipe(gunzip);
}

/**
 * DuckDB reads a truncated gzip stream up to where it breaks without saying so, and the last partial line can even
 * parse as a valid row. So a .gz file is decompressed once here; only if it ends early is it decompressed a second
 * time to keep its complete lines.
 */
export async function findGzipTruncation(path: string, prefixPath: string): Promise<Truncation | undefined> {
  let lines = 0;
  const gunzip = gunzipStream(path);
  gunzip.on('data', (c: Buffer) => {
    for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
  });
  try {
    await once(gunzip, 'end');
    return undefined;
  } catch {
    await writeFirstLines(path, prefixPath, lines);
    return { prefixPath, completeLines: lines };
  }
}

async function writeFirstLines(path: string, target: string, lines: number): Promise<void> {
  const out = createWriteStream(target);
  const gunzip = gunzipStream(path);
  let remaining = lines;
  gunzip.on('data', (c: Buffer) => {
    if (remaining <= 0) return;
    let end = 0;
    for (let i = c.indexOf(10); i !== -1 && remaining > 0; i = c.indexOf(10, i + 1)) {
      remaining--;
      end = i + 1;
    }
    out.write(remaining > 0 ? c : c.subarray(0, end));
  });
  await once(gunzip, 'end').catch(() => undefined);
  out.end();
  await once(out, 'finish');
}
