// Namespace labels from a watch-backed cache (an @kubernetes/client-node informer on namespaces): the
// request path reads the cache and never calls the API server. The only code that talks to the API.
import { CoreV1Api, KubeConfig, makeInformer, type Informer, type ObjectCache, type V1Namespace } from "@kubernetes/client-node";
import type { Logger } from "../logging/logger.js";

export type Labels = Readonly<Record<string, string>>;

/** The namespace is not (yet) in the cache; the request is answered per --on-error. */
export class NamespaceNotCachedError extends Error {
  constructor(readonly namespace: string) {
    super(`namespace "${namespace}" is not in the webhook's namespace cache (yet); retry shortly`);
    this.name = "NamespaceNotCachedError";
  }
}

export interface NamespaceCacheOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Wait before restarting the watch after an error; default 2000 ms (doubling up to 30 s). */
  restartDelayMs?: number;
}

/** A KubeConfig from a file, or from the Pod's service account when running in a cluster. */
export function kubeConfigFrom(source: { kubeconfig: string } | "in-cluster"): KubeConfig {
  const kc = new KubeConfig();
  if (source === "in-cluster") kc.loadFromCluster();
  else kc.loadFromFile(source.kubeconfig);
  if (!kc.getCurrentCluster()) throw new Error("the kubeconfig has no current cluster");
  return kc;
}

export class NamespaceCache {
  readonly #informer: Informer<V1Namespace> & ObjectCache<V1Namespace>;
  readonly #logger: Logger;
  readonly #baseDelay: number;
  #delay: number;
  #synced = false;
  #errors = 0;
  #stopped = false;
  #restart: NodeJS.Timeout | undefined;
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #listeners = new Set<(namespace: string) => void>();

  constructor(opts: NamespaceCacheOptions) {
    const api = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.#informer = makeInformer(opts.kubeConfig, "/api/v1/namespaces", () => api.listNamespace());
    this.#logger = opts.logger;
    this.#baseDelay = opts.restartDelayMs ?? 2000;
    this.#delay = this.#baseDelay;
    const wake = (ns: V1Namespace) => this.#wake(ns.metadata?.name ?? "");
    this.#informer.on("add", wake);
    this.#informer.on("update", wake);
    const changed = (ns: V1Namespace) => {
      for (const listener of this.#listeners) listener(ns.metadata?.name ?? "");
    };
    this.#informer.on("add", changed);
    this.#informer.on("update", changed);
    this.#informer.on("delete", changed);
    this.#informer.on("connect", () => {
      this.#logger.debug("namespace watch connecting");
    });
    this.#informer.on("error", (error: unknown) => this.#onError(error));
  }

  /** True once the first list has completed; stays true across watch restarts (the cache keeps its content). */
  get synced(): boolean {
    return this.#synced;
  }

  /**
   * Starts listing and watching. Resolves after the first attempt: synced when the list came in and the
   * watch opened; otherwise the error is logged and the attempt repeated in the background.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#attempt();
  }

  async #attempt(): Promise<void> {
    const errorsBefore = this.#errors;
    try {
      await this.#informer.start();
    } catch (error) {
      this.#onError(error);
      return;
    }
    if (this.#errors === errorsBefore) this.#markSynced();
  }

  #markSynced(): void {
    if (this.#stopped) return;
    if (!this.#synced) this.#logger.info("namespace cache synced", { namespaces: this.#informer.list().length });
    this.#synced = true;
    this.#delay = this.#baseDelay;
    for (const name of [...this.#waiters.keys()]) if (this.#informer.get(name)) this.#wake(name);
  }

  #onError(error: unknown): void {
    this.#errors += 1;
    if (this.#stopped) return;
    this.#logger.warn("namespace watch failed; restarting", {
      error: error instanceof Error ? error.message : String(error),
      retryInMs: this.#delay,
    });
    clearTimeout(this.#restart);
    this.#restart = setTimeout(() => void this.#attempt(), this.#delay);
    this.#restart.unref();
    this.#delay = Math.min(this.#delay * 2, 30_000);
  }

  #wake(name: string): void {
    const waiters = this.#waiters.get(name);
    if (!waiters) return;
    this.#waiters.delete(name);
    for (const resolve of waiters) resolve();
  }

  /** Calls `listener` with the name of every namespace the watch adds, changes or removes. */
  onChange(listener: (namespace: string) => void): void {
    this.#listeners.add(listener);
  }

  /** The names of every cached namespace. */
  names(): string[] {
    return this.#informer.list().map((ns) => ns.metadata?.name ?? "").filter(Boolean);
  }

  /** Labels of a cached namespace, or undefined when it is not in the cache. */
  peek(namespace: string): Labels | undefined {
    const ns = this.#informer.get(namespace);
    return ns ? { ...(ns.metadata?.labels ?? {}) } : undefined;
  }

  /**
   * Labels of `namespace`. A namespace not in the cache yet (created a moment ago) is waited for up to
   * `waitMs`; after that NamespaceNotCachedError.
   */
  async labels(namespace: string, waitMs = 0): Promise<Labels> {
    const now = this.peek(namespace);
    if (now) return now;
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const set = this.#waiters.get(namespace) ?? new Set();
        this.#waiters.set(namespace, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0 && this.#waiters.get(namespace) === set) this.#waiters.delete(namespace);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        set.add(done);
      });
      const later = this.peek(namespace);
      if (later) return later;
    }
    throw new NamespaceNotCachedError(namespace);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restart);
    for (const name of [...this.#waiters.keys()]) this.#wake(name);
    await this.#informer.stop();
  }
}
