// `secure-defaults preview --cluster`: the impact of the policies on what runs in a cluster now. Reads
// (src/cluster/), evaluates (src/preview/cluster-impact.ts), summarises and prints; the flags are parsed
// in preview.ts.
import { loadKubeConfig } from "../cluster/kubeconfig.js";
import { ClusterReadError } from "../cluster/paginated-list.js";
import { readSnapshot } from "../cluster/workload-snapshot.js";
import { loadPolicies } from "../policy/load.js";
import { clusterImpact } from "../preview/cluster-impact.js";
import { summarise } from "../preview/impact-summary.js";
import { renderImpact } from "../preview/impact-table.js";
import { unknownDefaultPolicy } from "./default-policy.js";
import type { CliIo } from "./io.js";
import { Progress } from "./progress.js";

export type ClusterOutput = "table" | "json";

export interface ClusterPreviewOptions {
  mode: "cluster";
  policies: string[];
  kubeconfig?: string;
  scope: { namespace: string } | "all-namespaces" | "context-namespace";
  defaultPolicy?: string;
  chunkSize?: number;
  output: ClusterOutput;
}

const EXIT_ADMITTED = 0;
const EXIT_DENIED = 1;
const EXIT_ERROR = 2;

/** Throws PolicyLoadError for bad policies (the caller reports it); API failures are reported here (exit 2). */
export async function previewCluster(options: ClusterPreviewOptions, io: CliIo): Promise<number> {
  const { policies } = loadPolicies(options.policies);
  const unknown = unknownDefaultPolicy(policies, options.defaultPolicy);
  if (unknown) {
    io.stderr.write(`secure-defaults preview: ${unknown}\n`);
    return EXIT_ERROR;
  }
  const progress = new Progress(io.stderr);
  let impacts;
  try {
    const { kubeConfig, namespace } = loadKubeConfig(options.kubeconfig, io.env);
    const scope = options.scope === "context-namespace" ? { namespace } : options.scope;
    const snapshot = await readSnapshot(kubeConfig, scope, {
      chunkSize: options.chunkSize,
      progress: (resource, n) => progress.report(resource, n, () => `listed ${n} ${resource}`),
    });
    impacts = await clusterImpact(snapshot, {
      policies,
      defaultPolicy: options.defaultPolicy,
      onEvaluated: (done, total) => progress.report("evaluated", done, () => `evaluated ${done} of ${total} Pods and templates`),
    });
  } catch (error) {
    if (!(error instanceof ClusterReadError)) throw error;
    io.stderr.write(`secure-defaults preview: ${error.message}\n`);
    return EXIT_ERROR;
  }
  const entries = impacts.flatMap((ns) => ns.entries);
  if (options.output === "json") io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else io.stdout.write(renderImpact(summarise(impacts)));
  return entries.every((e) => e.allowed) ? EXIT_ADMITTED : EXIT_DENIED;
}
