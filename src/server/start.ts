// Puts the webhook together from resolved options: policies, TLS (given or development), the namespace
// cache when a cluster is reachable, the app and the HTTPS server, file watching, and a graceful stop.
import type { AddressInfo } from "node:net";
import type { NamespaceCache } from "../cluster/namespace-cache.js";
import type { NetworkPolicyReconciler } from "../cluster/network-policy-reconciler.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { ensureDevelopmentCertificates } from "../tls/dev-certs.js";
import { createApp, type OnError } from "./app.js";
import { WebhookServer, type TlsFiles } from "./https.js";
import { PolicyStore } from "./policy-store.js";

export interface WebhookConfig {
  policies: string[];
  port: number;
  /** Listen address; default all interfaces. */
  host?: string;
  /** Serving certificate and key; absent = development certificates under `devCertDir`. */
  tls?: TlsFiles;
  /** Where development certificates live; default `.secure-defaults` (relative to the working directory). */
  devCertDir?: string;
  defaultPolicy?: string;
  onError: OnError;
  /** Where namespace labels come from: a kubeconfig file, the Pod's service account, or nowhere. */
  cluster?: { kubeconfig: string } | "in-cluster";
  shutdownDelayMs?: number;
  shutdownTimeoutMs?: number;
  /** File watching for policies and certificate (ms). */
  watch?: { debounceMs?: number; pollMs?: number };
  namespaceWaitMs?: number;
  /** First wait before the namespace watch is restarted after an error (ms; doubles up to 30 s). */
  namespaceRestartDelayMs?: number;
  /** POST /preview: "on" (default) or "off" (it answers 404). */
  preview?: "on" | "off";
  /** Serve /preview on its own HTTPS listener on this port (and not on `port`); needs preview "on". */
  previewPort?: number;
  /** Listen address of the preview listener; default `host`. */
  previewHost?: string;
  /** Open connections at most, per listener (default 1000). */
  maxConnections?: number;
  /** Keep the network defaults' NetworkPolicies in opted-in namespaces (needs a cluster); default true. */
  networkPolicies?: boolean;
  /** NetworkPolicy resync period (ms; default 5 minutes), attempts per API call and first retry wait (ms). */
  networkResyncMs?: number;
  networkAttempts?: number;
  networkRetryDelayMs?: number;
}

export interface RunningWebhook {
  address: AddressInfo;
  server: WebhookServer;
  /** The preview listener, when --preview-port is given. */
  preview?: { address: AddressInfo; server: WebhookServer };
  policies: PolicyStore;
  namespaces?: NamespaceCache;
  /** Keeps the network defaults' NetworkPolicies; absent without a cluster or with --network-policies=off. */
  networkPolicies?: NetworkPolicyReconciler;
  /** The development CA, when development certificates are in use. */
  devCaPath?: string;
  /** Named readiness checks (the same as GET /readyz). */
  readiness(): Record<string, boolean>;
  /** Readiness false, requests in flight finish, then everything closes. Idempotent. */
  stop(): Promise<void>;
}

export async function startWebhook(config: WebhookConfig, logger: Logger, metrics: Metrics): Promise<RunningWebhook> {
  let networkPolicies: NetworkPolicyReconciler | undefined;
  const policies = new PolicyStore({
    onReload: () => networkPolicies?.resync(),
    paths: config.policies,
    defaultPolicy: config.defaultPolicy,
    logger,
    metrics,
    debounceMs: config.watch?.debounceMs,
    pollMs: config.watch?.pollMs,
  });
  policies.load();

  let tls = config.tls;
  let devCaPath: string | undefined;
  if (!tls) {
    const dev = await ensureDevelopmentCertificates(config.devCertDir);
    tls = { certPath: dev.certPath, keyPath: dev.keyPath };
    devCaPath = dev.caCertPath;
    logger.info("using development certificates", { ca: dev.caCertPath, cert: dev.certPath, created: dev.created });
  }

  // @kubernetes/client-node is loaded only when a cluster is used: it costs ~80 MB of resident memory.
  let namespaces: NamespaceCache | undefined;
  if (config.cluster) {
    const { NamespaceCache, kubeConfigFrom } = await import("../cluster/namespace-cache.js");
    const kubeConfig = kubeConfigFrom(config.cluster);
    namespaces = new NamespaceCache({ kubeConfig, logger, restartDelayMs: config.namespaceRestartDelayMs });
    if (config.networkPolicies ?? true) {
      const { NetworkPolicyReconciler } = await import("../cluster/network-policy-reconciler.js");
      const { createNetworkPolicyMetrics } = await import("../metrics/network-policy-metrics.js");
      networkPolicies = new NetworkPolicyReconciler({
        kubeConfig,
        namespaces,
        policies: () => policies.current().policies,
        defaultPolicy: config.defaultPolicy,
        // In a Pod, the service account's namespace is the webhook's own: never isolated by it.
        excludedNamespaces: config.cluster === "in-cluster" ? [kubeConfig.getContextObject(kubeConfig.currentContext)?.namespace ?? ""] : [],
        logger,
        metrics: createNetworkPolicyMetrics(metrics.registry),
        resyncMs: config.networkResyncMs,
        attempts: config.networkAttempts,
        retryDelayMs: config.networkRetryDelayMs,
      });
    }
  }
  const networkMode = !(config.networkPolicies ?? true) ? "off (--network-policies=off)" : networkPolicies ? "on" : "off (no cluster: no --kubeconfig and not in a Pod)";
  logger.info(`network defaults: ${networkMode}`, { networkPolicies: Boolean(networkPolicies) });
  let stopping = false;
  const readiness = (): Record<string, boolean> => ({
    policies: policies.loaded,
    tls: true,
    ...(namespaces ? { namespaces: namespaces.synced } : {}),
    serving: !stopping,
  });

  const previewOff = config.preview === "off";
  if (previewOff && config.previewPort !== undefined) throw new Error("--preview-port needs the preview on (it is --preview=off)");
  const separatePreview = !previewOff && config.previewPort !== undefined;
  const handler = (routes: "all" | "admission" | "preview") =>
    createApp({
      policies: () => policies.current().policies,
      namespaceLabels: (namespace, waitMs) => (namespaces ? namespaces.labels(namespace, waitMs) : Promise.resolve(undefined)),
      readiness,
      logger,
      metrics,
      options: {
        defaultPolicy: config.defaultPolicy,
        onError: config.onError,
        namespaceWaitMs: config.namespaceWaitMs,
        routes,
        previewElsewhere: separatePreview ? `the preview has its own listener (--preview-port ${config.previewPort})` : undefined,
      },
    });
  const listener = (routes: "all" | "admission" | "preview", port: number, host: string | undefined) =>
    new WebhookServer({
      handler: handler(routes),
      tls: tls!,
      port,
      host,
      maxConnections: config.maxConnections,
      logger,
      metrics,
      debounceMs: config.watch?.debounceMs,
      pollMs: config.watch?.pollMs,
    });
  const server = listener(previewOff || separatePreview ? "admission" : "all", config.port, config.host);
  const previewServer = separatePreview ? listener("preview", config.previewPort!, config.previewHost ?? config.host) : undefined;

  const address = await server.listen();
  let preview: RunningWebhook["preview"];
  if (previewServer) {
    try {
      preview = { address: await previewServer.listen(), server: previewServer };
    } catch (error) {
      await server.stop();
      throw error;
    }
    previewServer.watchCertificate();
  }
  policies.watch();
  server.watchCertificate();
  if (namespaces) {
    // In the background: the webhook serves meanwhile and reports not ready until the cache is synced.
    void namespaces.start();
  }
  networkPolicies?.start();
  logger.info("serving", {
    address: address.address,
    port: address.port,
    onError: config.onError,
    defaultPolicy: config.defaultPolicy,
    namespaceCache: Boolean(namespaces),
    preview: previewOff ? "off" : preview ? `port ${preview.address.port}` : "on",
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      logger.info("shutting down: not ready, finishing requests in flight", { inFlight: server.inFlight });
      const stopOptions = { delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs };
      await Promise.all([server.stop(stopOptions), preview?.server.stop(stopOptions)]);
      policies.close();
      await networkPolicies?.stop();
      await namespaces?.stop();
      logger.info("stopped");
    })();
    return stopped;
  };

  return { address, server, preview, policies, namespaces, networkPolicies, devCaPath, readiness, stop };
}
