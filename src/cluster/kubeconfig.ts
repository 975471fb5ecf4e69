// The kubeconfig for commands a person runs against a cluster (the impact preview): --kubeconfig PATH,
// else as kubectl finds it ($KUBECONFIG, ~/.kube/config, then the Pod's service account).
import { KubeConfig } from "@kubernetes/client-node";
import { ClusterReadError } from "./paginated-list.js";

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** The current context's namespace, `default` when it names none (as kubectl). */
  namespace: string;
}

export function loadKubeConfig(path?: string): LoadedKubeConfig {
  const kc = new KubeConfig();
  try {
    if (path !== undefined) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (error) {
    throw new ClusterReadError(`cannot load the kubeconfig${path !== undefined ? ` ${path}` : ""}: ${(error as Error).message}`);
  }
  // With no kubeconfig anywhere, client-node falls back to an unauthenticated http://localhost:8080.
  const fallback = kc.clusters.length === 1 && kc.clusters[0].name === "cluster" && kc.clusters[0].server === "http://localhost:8080";
  if (path === undefined && fallback) {
    throw new ClusterReadError("no kubeconfig found ($KUBECONFIG unset, no ~/.kube/config, not in a Pod): give --kubeconfig PATH");
  }
  if (!kc.getCurrentCluster()) {
    throw new ClusterReadError(`the kubeconfig${path !== undefined ? ` ${path}` : ""} has no current cluster (current-context "${kc.getCurrentContext()}")`);
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  return { kubeConfig: kc, namespace: context?.namespace || "default" };
}
