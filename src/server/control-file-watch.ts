import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Longest the key cache goes without looking at the control file (a stat of it and its log) when no notice came.
 * Notices from the operating system make a write by another process seen sooner; this is the fallback for file
 * systems that send none (network and some container mounts), at the price of four stats a second on a busy server.
 */
export const KEY_CACHE_CHECK_MS = 250;

/**
 * When the control file should be looked at again: after the operating system reported a write to it, and in any case
 * every `checkMs`. Between those, asking costs a read of the monotonic clock and no file system call, which matters as
 * it is asked on every request.
 *
 * The watch is on the file's folder, not on the file: DuckDB creates and removes the write-ahead log beside it, and a
 * file replaced by a rename keeps being watched under its name. The folder also holds the workspaces' stores, so
 * their writes wake the watch too; they are told apart by name and cost one comparison each. A watch follows the
 * folder it was set on, so when that folder is renamed or removed the watch is set again on the path.
 */
export class ControlFileWatch {
  private noticed = false;
  private nextCheck = 0;
  private watcher: FSWatcher | undefined;
  private closed = false;
  private readonly name: string;
  private readonly folderName: string;

  constructor(
    private readonly path: string,
    private readonly options: { checkMs: number; notices: boolean },
  ) {
    this.name = basename(path);
    this.folderName = basename(dirname(path));
    this.arm();
  }

  /** True when the file may have been written since the last true: noticed, or the periodic check is due. */
  due(): boolean {
    if (this.noticed) {
      this.noticed = false;
      return true;
    }
    const now = performance.now();
    if (now < this.nextCheck) return false;
    this.nextCheck = now + this.options.checkMs;
    // A watch that failed (its folder removed or replaced) is tried again at the pace of the checks.
    if (!this.watcher) this.arm();
    return true;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private rearm(old: FSWatcher): void {
    old.close();
    if (this.watcher !== old) return;
    this.watcher = undefined;
    this.noticed = true;
    this.arm();
  }

  private arm(): void {
    if (!this.options.notices || this.closed) return;
    try {
      // Not persistent: a watch alone does not keep the process alive.
      const watcher = watch(dirname(this.path), { persistent: false }, (event, file) => {
        // No name (some platforms) may be the control file: look.
        if (file === null || file.startsWith(this.name)) this.noticed = true;
        // The folder itself moved or went away (reported under its own name): watch the path afresh.
        else if (event === 'rename' && file === this.folderName) this.rearm(watcher);
      });
      watcher.on('error', () => this.rearm(watcher));
      this.watcher = watcher;
    } catch {
      // No notices here (the folder is gone, no inotify instances left, an unsupported file system): the periodic
      // checks alone, which also try to watch again.
      this.watcher = undefined;
    }
  }
}
