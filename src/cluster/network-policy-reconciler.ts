// Keeps the NetworkPolicies of every opted-in namespace's network default (server-side apply with our
// field manager, so replicas agree without leader election) and removes ours where they no longer
// belong. "Ours" means: one of our names AND our managed-by label; nothing else is ever changed or
// deleted. A NetworkPolicy of someone else with one of our names is left alone and reported.
// Triggered by namespace changes (the namespace cache's informer), policy reloads and a periodic resync.
import { isDeepStrictEqual } from "node:util";
import { KubeConfig, NetworkingV1Api, PatchStrategy, setHeaderOptions, type V1NetworkPolicy } from "@kubernetes/client-node";
import { chooseNetworkDefault, optedIn } from "../admission/network-default.js";
import type { Policy } from "../engine/types.js";
import type { Logger } from "../logging/logger.js";
import type { NetworkPolicyMetrics, NetworkPolicyOperation } from "../metrics/network-policy-metrics.js";
import { CONTROL_PLANE_NAMESPACES } from "../policy/choose.js";
import { MANAGED_BY, MANAGED_BY_LABEL, MANAGED_NAMES, SOURCE_POLICY_ANNOTATION, type NetworkPolicyObject } from "../policy/network-policies.js";
import { isObject } from "../engine/json.js";
import type { Labels } from "./namespace-cache.js";

/** The server-side apply field manager: the same in every replica. */
export const FIELD_MANAGER = "kube-secure-defaults";

/**
 * Never isolated, even when labelled: the control plane's namespaces, which the webhook configuration
 * excludes by name as well (cluster DNS lives in kube-system).
 */
export const NEVER_ISOLATED: readonly string[] = CONTROL_PLANE_NAMESPACES;

/** What the reconciler needs of the namespace cache. */
export interface NamespaceSource {
  names(): string[];
  peek(namespace: string): Labels | undefined;
  onChange(listener: (namespace: string) => void): void;
}

export interface NetworkPolicyReconcilerOptions {
  kubeConfig: KubeConfig;
  namespaces: NamespaceSource;
  policies: () => readonly Policy[];
  defaultPolicy?: string;
  /** Namespaces treated as not opted in besides NEVER_ISOLATED: the webhook's own, when known. */
  excludedNamespaces?: readonly string[];
  logger: Logger;
  metrics: NetworkPolicyMetrics;
  /** Full resync period; default 5 minutes. */
  resyncMs?: number;
  /** Attempts per API call (default 4) and the first wait between them (default 500 ms, doubling). */
  attempts?: number;
  retryDelayMs?: number;
}

/** A NetworkPolicy of someone else's that has one of our names: we leave it alone. */
export interface NetworkPolicyConflict {
  namespace: string;
  name: string;
}

type Live = V1NetworkPolicy & { metadata: { name: string } };

function isOurs(np: V1NetworkPolicy): boolean {
  return MANAGED_NAMES.includes(np.metadata?.name ?? "") && np.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
}

/**
 * The spec in its JSON form: the client's model objects carry undefined fields and name the ingress
 * rule's `from` `_from` (the only renamed field of NetworkPolicySpec in client-node 1.4.0).
 */
function wireSpec(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec ?? {}), (key, value: unknown) => {
    if (isObject(value) && "_from" in value) {
      const { _from, ...rest } = value as { _from: unknown };
      return { from: _from, ...rest };
    }
    return value;
  });
}

/** Whether the live object already is what we would apply. */
function upToDate(live: V1NetworkPolicy, desired: NetworkPolicyObject): boolean {
  return (
    live.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY &&
    live.metadata?.annotations?.[SOURCE_POLICY_ANNOTATION] === desired.metadata.annotations[SOURCE_POLICY_ANNOTATION] &&
    isDeepStrictEqual(wireSpec(live.spec), desired.spec)
  );
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 300);
}

export class NetworkPolicyReconciler {
  readonly #api: NetworkingV1Api;
  readonly #opts: NetworkPolicyReconcilerOptions;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  /** Namespaces known to hold NetworkPolicies of ours (from the last full list, and our own applies). */
  readonly #withOurs = new Set<string>();
  readonly #conflicts = new Map<string, NetworkPolicyConflict>();
  readonly #queue = new Set<string>();
  #fullSync = false;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #wake: (() => void) | undefined;
  readonly #idle = new Set<() => void>();

  constructor(opts: NetworkPolicyReconcilerOptions) {
    this.#opts = opts;
    this.#api = opts.kubeConfig.makeApiClient(NetworkingV1Api);
    this.#attempts = opts.attempts ?? 4;
    this.#retryDelayMs = opts.retryDelayMs ?? 500;
    opts.namespaces.onChange((namespace) => this.#enqueue(namespace));
  }

  /** Starts with a full sync, then resyncs periodically. */
  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.resync(), this.#opts.resyncMs ?? 300_000);
    this.#timer.unref();
    this.resync();
  }

  /** Every namespace again (after a policy reload, and periodically). */
  resync(): void {
    this.#fullSync = true;
    this.#kick();
  }

  /** NetworkPolicies of others that carry one of our names, as last seen. */
  conflicts(): NetworkPolicyConflict[] {
    return [...this.#conflicts.values()];
  }

  /** Resolves once there is nothing left to do (for tests and shutdown). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#wake?.();
    await this.#running;
  }

  #enqueue(namespace: string): void {
    if (!namespace) return;
    this.#queue.add(namespace);
    this.#kick();
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped) {
      if (this.#fullSync) {
        this.#fullSync = false;
        await this.#syncAll();
        continue;
      }
      const [next] = this.#queue;
      if (next === undefined) return;
      this.#queue.delete(next);
      await this.#syncNamespace(next);
    }
  }

  async #syncAll(): Promise<void> {
    const { logger, metrics, namespaces } = this.#opts;
    let ok = true;
    /** Ours per namespace, from the cluster-wide list: where they already are as desired, no further call. */
    let known: Map<string, Live[]> | undefined = new Map();
    try {
      const list = await this.#call("list", {}, () =>
        this.#api.listNetworkPolicyForAllNamespaces({ labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` }),
      );
      this.#withOurs.clear();
      for (const np of list.items) {
        const namespace = np.metadata?.namespace;
        if (!namespace || !isOurs(np)) continue;
        this.#withOurs.add(namespace);
        known.set(namespace, [...(known.get(namespace) ?? []), np as Live]);
      }
    } catch (error) {
      known = undefined;
      ok = false;
      logger.error("cannot list our NetworkPolicies; resyncing from what is known", { error: firstLine(error) });
    }
    const names = new Set([...namespaces.names(), ...this.#withOurs]);
    let synced = 0;
    for (const namespace of [...names].sort()) {
      if (this.#stopped) return;
      this.#queue.delete(namespace);
      if (!(await this.#syncNamespace(namespace, known ? (known.get(namespace) ?? []) : undefined))) ok = false;
      synced += 1;
    }
    if (ok) metrics.lastSync.set(Date.now() / 1000);
    logger.debug("NetworkPolicy resync done", { namespaces: synced, ok });
  }

  /**
   * Brings one namespace to its desired NetworkPolicies. False when an API call failed for good.
   * `known`: ours in the namespace as just listed cluster-wide; when they are exactly as desired, the
   * namespace is not listed again (a resync with nothing to do costs one LIST for the whole cluster).
   */
  async #syncNamespace(namespace: string, known?: Live[]): Promise<boolean> {
    const { logger, metrics, namespaces } = this.#opts;
    const labels = namespaces.peek(namespace);
    // A namespace not in the cache is gone (its NetworkPolicies with it) or not known yet: never delete there.
    if (!labels) return this.#forgetConflicts(namespace);
    let desired: NetworkPolicyObject[] = [];
    const excluded = NEVER_ISOLATED.includes(namespace) || (this.#opts.excludedNamespaces ?? []).includes(namespace);
    if (optedIn(labels) && !excluded) {
      const choice = chooseNetworkDefault(this.#opts.policies(), namespace, labels, this.#opts.defaultPolicy);
      if (!choice.ok) {
        logger.warn("no network default for namespace; its NetworkPolicies are left as they are", { namespace, error: choice.message });
        return true;
      }
      desired = choice.objects;
    }
    if (desired.length === 0 && !this.#withOurs.has(namespace)) return this.#forgetConflicts(namespace);
    if (known && known.length === desired.length && desired.every((d) => known.some((k) => k.metadata.name === d.metadata.name && upToDate(k, d)))) {
      return true;
    }

    try {
      const list = await this.#call("list", { namespace }, () => this.#api.listNamespacedNetworkPolicy({ namespace }));
      const ours = new Map<string, Live>();
      const others = new Set<string>();
      for (const np of list.items) {
        const name = np.metadata?.name ?? "";
        if (isOurs(np)) ours.set(name, np as Live);
        else others.add(name);
      }
      for (const object of desired) {
        const { name } = object.metadata;
        const key = `${namespace}/${name}`;
        if (others.has(name)) {
          if (!this.#conflicts.has(key)) {
            logger.warn("a NetworkPolicy that is not ours has our name; left alone, the network default is not applied", { namespace, name });
          }
          this.#noteConflict(key, { namespace, name });
          continue;
        }
        this.#noteConflict(key, undefined);
        const live = ours.get(name);
        if (live && upToDate(live, object)) continue;
        await this.#call("apply", { namespace, name }, () =>
          this.#api.patchNamespacedNetworkPolicy(
            { name, namespace, body: object, fieldManager: FIELD_MANAGER, force: true },
            setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
          ),
        );
        metrics.applied.inc();
        this.#withOurs.add(namespace);
        logger.info("NetworkPolicy applied", { namespace, name, policy: object.metadata.annotations[SOURCE_POLICY_ANNOTATION] });
      }
      const wanted = new Set(desired.map((o) => o.metadata.name));
      for (const name of MANAGED_NAMES) if (!wanted.has(name)) this.#noteConflict(`${namespace}/${name}`, undefined);
      for (const [name, live] of ours) {
        if (wanted.has(name)) continue;
        // Preconditions: only the very object we listed (a replacement of someone else's is not ours).
        const preconditions = { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion };
        await this.#call("delete", { namespace, name }, () => this.#api.deleteNamespacedNetworkPolicy({ name, namespace, body: { preconditions } }));
        metrics.deleted.inc();
        logger.info("NetworkPolicy deleted", { namespace, name, reason: excluded ? "namespace never isolated" : optedIn(labels) ? "no longer in the network default" : "namespace not opted in" });
      }
      if (desired.length === 0 || [...wanted].every((name) => others.has(name))) this.#withOurs.delete(namespace);
      return true;
    } catch (error) {
      logger.error("cannot bring the namespace's NetworkPolicies up to date; retried at the next resync", { namespace, error: firstLine(error) });
      return false;
    }
  }

  /** Nothing of ours is wanted in the namespace: a same-named object there is no longer a conflict. */
  #forgetConflicts(namespace: string): true {
    for (const name of MANAGED_NAMES) this.#noteConflict(`${namespace}/${name}`, undefined);
    return true;
  }

  /** Records (or, undefined, clears) the conflict at `namespace/name`; the gauge follows the map at once. */
  #noteConflict(key: string, conflict: NetworkPolicyConflict | undefined): void {
    if (conflict) this.#conflicts.set(key, conflict);
    else this.#conflicts.delete(key);
    this.#opts.metrics.conflicts.set(this.#conflicts.size);
  }

  /** One API call with retries: every failed attempt is counted; 5xx, 429 and network errors are retried. */
  async #call<T>(operation: NetworkPolicyOperation, where: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const status = statusOf(error);
        if (operation === "delete" && status === 404) return undefined as T;
        this.#opts.metrics.errors.inc({ operation });
        const retryable = status === undefined || status >= 500 || status === 429;
        if (!retryable || attempt >= this.#attempts || this.#stopped) throw error;
        const retryInMs = this.#retryDelayMs * 2 ** (attempt - 1);
        this.#opts.logger.warn("NetworkPolicy API call failed; retrying", { operation, ...where, attempt, status, retryInMs, error: firstLine(error) });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryInMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    }
  }
}
