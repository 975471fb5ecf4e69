// The policy set the webhook serves, reloaded when the files change. A new version that fails to load
// (or would drop the default policy, or has no policy at all) is refused: the last good set keeps serving.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Policy } from "../engine/types.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { loadPolicies } from "../policy/load.js";
import { watchFiles, type FileWatch } from "./file-watch.js";

export interface PolicySnapshot {
  policies: readonly Policy[];
  warnings: readonly string[];
  /** Increases by one with every successful load. */
  generation: number;
  loadedAt: Date;
}

export interface PolicyStoreOptions {
  paths: readonly string[];
  defaultPolicy?: string;
  logger: Logger;
  metrics: Metrics;
  debounceMs?: number;
  pollMs?: number;
  /** Called after a reload put a new set in service. */
  onReload?: () => void;
}

const POLICY_FILE = /\.(ya?ml|json)$/;

/**
 * The policy files under `path`: the path itself, or a directory's `*.yaml|yml|json` files, following
 * symlinks (a ConfigMap volume's files are symlinks into `..data/`) and skipping the volume's own `..*`
 * entries.
 */
export function policyFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !name.startsWith("..") && POLICY_FILE.test(name))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
}

/** The files to load; a path that cannot be listed is passed on as it is, for the loader to report. */
function filesToLoad(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    try {
      return policyFiles(path);
    } catch {
      return [path];
    }
  });
}

/** A hash of the names and contents of every file that could make up the set. */
export function policyFingerprint(paths: readonly string[]): string {
  const hash = createHash("sha256");
  for (const path of paths) {
    let files: string[];
    try {
      files = policyFiles(path);
    } catch (error) {
      hash.update(`${path}\0${(error as NodeJS.ErrnoException).code ?? "error"}\0`);
      continue;
    }
    for (const file of files) {
      hash.update(`${file}\0`);
      try {
        hash.update(readFileSync(file));
      } catch (error) {
        hash.update(`${(error as NodeJS.ErrnoException).code ?? "error"}`);
      }
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

export class PolicyStore {
  #snapshot: PolicySnapshot | undefined;
  #watch: FileWatch | undefined;
  /** Fingerprint of the files as they were just before the last load attempt. */
  #fingerprint: string | undefined;
  readonly #opts: PolicyStoreOptions;

  constructor(opts: PolicyStoreOptions) {
    this.#opts = { ...opts, paths: opts.paths.map((p) => resolve(p)) };
  }

  get loaded(): boolean {
    return this.#snapshot !== undefined;
  }

  /** The set currently serving. Throws before the first successful load. */
  current(): PolicySnapshot {
    if (!this.#snapshot) throw new Error("policies are not loaded yet");
    return this.#snapshot;
  }

  #read(): Omit<PolicySnapshot, "generation" | "loadedAt"> {
    this.#fingerprint = policyFingerprint(this.#opts.paths);
    const { policies, warnings } = loadPolicies(filesToLoad(this.#opts.paths));
    const { defaultPolicy } = this.#opts;
    if (defaultPolicy && !policies.some((p) => p.name === defaultPolicy)) {
      throw new Error(`the default policy "${defaultPolicy}" (--default-policy) is not among the loaded policies`);
    }
    return { policies, warnings };
  }

  #install(set: Omit<PolicySnapshot, "generation" | "loadedAt">): PolicySnapshot {
    const snapshot = { ...set, generation: (this.#snapshot?.generation ?? 0) + 1, loadedAt: new Date() };
    this.#snapshot = snapshot;
    this.#opts.metrics.policiesLoaded.set(snapshot.policies.length);
    return snapshot;
  }

  /** The first load; throws (PolicyLoadError or Error) when the files are not a usable policy set. */
  load(): PolicySnapshot {
    const set = this.#read();
    const snapshot = this.#install(set);
    const { logger } = this.#opts;
    for (const warning of set.warnings) logger.warn("policy warning", { warning });
    if (set.policies.length === 0) {
      logger.warn("no policies found: every Pod will be denied until policies are added", { paths: this.#opts.paths });
    }
    logger.info("policies loaded", { policies: set.policies.map((p) => p.name), generation: snapshot.generation });
    return snapshot;
  }

  /** Loads the files again; on failure keeps the current set. Returns whether the new set is serving. */
  reload(): boolean {
    const { logger, metrics } = this.#opts;
    try {
      const set = this.#read();
      if (set.policies.length === 0) throw new Error("the new version has no policies");
      const snapshot = this.#install(set);
      metrics.policyReloads.inc({ result: "success" });
      for (const warning of set.warnings) logger.warn("policy warning", { warning });
      logger.info("policies reloaded", { policies: set.policies.map((p) => p.name), generation: snapshot.generation });
      this.#opts.onReload?.();
      return true;
    } catch (error) {
      metrics.policyReloads.inc({ result: "failure" });
      logger.error("policy reload refused; the previous policies keep serving", {
        error: (error as Error).message,
        generation: this.#snapshot?.generation,
      });
      return false;
    }
  }

  /** Starts reloading on file changes. */
  watch(): void {
    if (this.#watch) return;
    const { paths, debounceMs, pollMs, logger } = this.#opts;
    const directories = paths.map((p) => (isDirectory(p) ? p : dirname(p)));
    this.#watch = watchFiles({
      directories,
      fingerprint: () => policyFingerprint(paths),
      initial: this.#fingerprint,
      onChange: () => this.reload(),
      debounceMs,
      pollMs,
      onWatchError: (directory, error) =>
        logger.warn("cannot watch policy directory; relying on the periodic check", { directory, error: error.message }),
    });
  }

  /** Checks the files for a change now instead of waiting for the watcher. */
  checkNow(): void {
    this.#watch?.check();
  }

  close(): void {
    this.#watch?.close();
    this.#watch = undefined;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
