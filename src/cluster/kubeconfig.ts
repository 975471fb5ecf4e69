// The kubeconfig for commands a person runs against a cluster (the impact preview): --kubeconfig PATH,
// else as kubectl finds it ($KUBECONFIG, ~/.kube/config, then the Pod's service account), from the
// environment the command is given (a test's, or the process's).
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { inCluster } from "./in-cluster.js";
import { ClusterReadError } from "./paginated-list.js";

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** The current context's namespace, `default` when it names none (as kubectl). */
  namespace: string;
}

/**
 * KubeConfig.loadFromDefault with `env` instead of process.env: the files of $KUBECONFIG (merged as
 * client-node merges them), else $HOME/.kube/config, else in a Pod (KUBERNETES_SERVICE_HOST set, the
 * token mounted) its service account; client-node reads the API server's address from the process's
 * environment then, which in a Pod has it. False when there is none of these.
 */
function loadFromEnvironment(kc: KubeConfig, env: NodeJS.ProcessEnv): boolean {
  const files = (env.KUBECONFIG ?? "").split(delimiter).filter((file) => file !== "");
  if (files.length > 0) {
    kc.loadFromFile(files[0]);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more);
    }
    return true;
  }
  const home = env.HOME || (process.platform === "win32" ? env.USERPROFILE : undefined);
  if (home && existsSync(join(home, ".kube", "config"))) {
    kc.loadFromFile(join(home, ".kube", "config"));
    return true;
  }
  if (inCluster(env)) {
    kc.loadFromCluster();
    return true;
  }
  return false;
}

export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv): LoadedKubeConfig {
  const kc = new KubeConfig();
  let found: boolean;
  try {
    if (path !== undefined) kc.loadFromFile(path);
    found = path !== undefined || loadFromEnvironment(kc, env);
  } catch (error) {
    throw new ClusterReadError(`cannot load the kubeconfig${path !== undefined ? ` ${path}` : ""}: ${(error as Error).message}`);
  }
  if (!found) throw new ClusterReadError("no kubeconfig found ($KUBECONFIG unset, no ~/.kube/config, not in a Pod): give --kubeconfig PATH");
  if (!kc.getCurrentCluster()) {
    throw new ClusterReadError(`the kubeconfig${path !== undefined ? ` ${path}` : ""} has no current cluster (current-context "${kc.getCurrentContext()}")`);
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  return { kubeConfig: kc, namespace: context?.namespace || "default" };
}
