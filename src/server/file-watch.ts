// Notices when the content of some files changes: fs.watch on their directories (a ConfigMap or Secret
// volume swaps a `..data` symlink, so the files' own inodes are not a reliable thing to watch), debounced,
// plus a periodic check as a fallback where fs.watch misses events. A change is a different fingerprint.
import { watch, type FSWatcher } from "node:fs";

export interface FileWatchOptions {
  /** Directories to watch (for a file, pass its directory). */
  directories: readonly string[];
  /** A value that changes whenever the content that matters changes (e.g. a hash of the files). */
  fingerprint: () => string;
  /** The fingerprint of the content already loaded (taken before loading it); default: taken now. */
  initial?: string;
  /** Called once per new fingerprint, after the events have settled. */
  onChange: () => void;
  /** Quiet time after the last event before checking; default 200 ms. */
  debounceMs?: number;
  /** Fallback check interval; default 5000 ms; 0 disables it. */
  pollMs?: number;
  /** Told when a directory cannot be watched (the periodic check still runs). */
  onWatchError?: (directory: string, error: Error) => void;
}

export interface FileWatch {
  /** Checks the fingerprint now (also used by tests and by the periodic fallback). */
  check(): void;
  close(): void;
}

export function watchFiles(opts: FileWatchOptions): FileWatch {
  const debounceMs = opts.debounceMs ?? 200;
  const pollMs = opts.pollMs ?? 5000;
  let last = opts.initial ?? safeFingerprint();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const watchers = new Map<string, FSWatcher>();
  const reported = new Set<string>();

  function safeFingerprint(): string {
    try {
      return opts.fingerprint();
    } catch (error) {
      return `error:${(error as Error).message}`;
    }
  }

  function check(): void {
    if (closed) return;
    const now = safeFingerprint();
    if (now === last) return;
    last = now;
    opts.onChange();
  }

  function schedule(): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      check();
    }, debounceMs);
    timer.unref();
  }

  function report(directory: string, error: Error): void {
    if (reported.has(directory)) return;
    reported.add(directory);
    opts.onWatchError?.(directory, error);
  }

  function watchDirectory(directory: string): void {
    if (closed || watchers.has(directory)) return;
    try {
      const watcher = watch(directory, { persistent: false }, schedule);
      watcher.on("error", (error) => {
        watcher.close();
        watchers.delete(directory);
        report(directory, error);
      });
      watchers.set(directory, watcher);
      reported.delete(directory);
    } catch (error) {
      report(directory, error as Error);
    }
  }

  const directories = [...new Set(opts.directories)];
  for (const directory of directories) watchDirectory(directory);
  const poll = pollMs > 0 ? setInterval(() => {
    // A directory that could not be watched (e.g. it did not exist yet) is tried again.
    for (const directory of directories) watchDirectory(directory);
    check();
  }, pollMs) : undefined;
  poll?.unref();

  return {
    check,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
