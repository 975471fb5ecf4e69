// Whether the webhook runs in a Pod. Kept apart from namespace-cache.ts so that deciding this does not
// load @kubernetes/client-node (80 MB of resident memory), which is imported only when a cluster is used.
import { existsSync } from "node:fs";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** In a Pod: KUBERNETES_SERVICE_HOST is set and the service account token is mounted. */
export function inCluster(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && exists(`${SERVICE_ACCOUNT_DIR}/token`);
}
