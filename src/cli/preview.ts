// `secure-defaults preview`: what the webhook would do to workload manifests, offline (or, with --cluster,
// to what runs in a cluster now: flags here, the rest in preview-cluster.ts).
// A contract for CI pipelines: flags, JSON fields and exit statuses are kept exactly as documented.
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { decideForRequest, type RequestDecision } from "../admission/admit.js";
import type { Operation } from "../engine/types.js";
import { locatePod, UnsupportedObjectError } from "../engine/workload.js";
import { loadPolicies, PolicyLoadError } from "../policy/load.js";
import { authenticatedUser, type UserInfo } from "../policy/subjects.js";
import { previewEntry, type PreviewEntry } from "../preview/entry.js";
import { COLOUR, explainReport, NO_COLOUR, renderExplain, wantsColour, type ExplainReport } from "../preview/explain.js";
import { unknownDefaultPolicy } from "./default-policy.js";
import { processIo, type CliIo } from "./io.js";
import type { ClusterPreviewOptions } from "./preview-cluster.js";
import { InputError, readObjectsFromFile, type SourcedObject } from "./read-objects.js";
import { isUsageError, UsageError, writeUsageError } from "./usage-error.js";

export const EXIT_ADMITTED = 0;
export const EXIT_DENIED = 1;
export const EXIT_BAD_INPUT = 2;

const USAGE = `Usage: secure-defaults preview --policies PATH [--policies PATH ...] [--namespace NS]
                               [--user NAME] [--group NAME ...] [--default-policy NAME]
                               [--operation CREATE|UPDATE] [-o yaml|json|patch|explain] FILE...

Shows what the webhook would do to Pods and workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob), without a cluster. FILE is YAML or JSON, multi-document or a
v1 List; "-" reads standard input. PATH is a policy file or a folder of them.

  --policies PATH     policy file or folder (repeatable, required)
  --namespace NS      namespace to choose policies for (default: each object's metadata.namespace;
                      with neither, every loaded policy is a candidate)
  --user NAME         the user who creates the objects (default: an authenticated user with no
                      name); policies with subjects are candidates only when granted to this user,
                      one of its groups, or the Pod's ServiceAccount in the namespace
  --group NAME        a group of that user (repeatable); system:authenticated is added (for
                      system:anonymous: system:unauthenticated), and the ServiceAccount groups
                      for a system:serviceaccount:<ns>:<name> user
  --default-policy N  as serve's: the policy for namespaces no policy is bound to (when no
                      unbound one applies either)
  --operation OP      CREATE (default) or UPDATE (validate only, never patch)
  -o, --output FMT    yaml (default): resulting objects; json: one array of results;
                      patch: one RFC 6902 JSON patch per object, one per line;
                      explain: a report per object for people (policy choice, changes and
                      the policy fields behind them, violations, Pod Security Standards level);
                      coloured on a terminal unless NO_COLOR is set

Exit status: 0 every object admitted, 1 any denied, 2 bad input or bad policy.

Usage: secure-defaults preview --cluster [--kubeconfig PATH] [--namespace NS | --all-namespaces]
                               --policies PATH [--policies PATH ...] [--default-policy NAME]
                               [--chunk-size N] [-o table|json]

Reads the Pods and the workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob) that exist in the
cluster now, read-only, and shows what the webhook would do to each as a Pod CREATE by its controller.

  --cluster              read the cluster instead of FILEs
  --kubeconfig PATH      kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)
  --namespace NS         the namespace to read (default: the kubeconfig context's, else "default")
  -A, --all-namespaces   every namespace
  --default-policy NAME  as serve's: the policy for namespaces no policy is bound to
  --chunk-size N         objects per list call (default 500)
  -o, --output FMT       table (default): per namespace and workload; json: one array, per object

Exit status: 0 everything admitted, 1 anything denied, 2 bad input, bad policy or a failed API call.
       secure-defaults preview --network NAMESPACE --policies PATH [--label KEY=VALUE ...] [-o yaml|json]

Prints the NetworkPolicies the webhook keeps in NAMESPACE (see "secure-defaults preview --network --help").
`;

type Output = "yaml" | "json" | "patch" | "explain";

interface PreviewOptions {
  policies: string[];
  namespace?: string;
  defaultPolicy?: string;
  userInfo: UserInfo;
  operation: Operation;
  output: Output;
  files: string[];
}

/** The flags that only mean something with --cluster (the cluster-only flags), and the other way round. */
const CLUSTER_ONLY = ["kubeconfig", "all-namespaces", "chunk-size"] as const;

function parseClusterOptions(values: Record<string, unknown>, positionals: string[]): ClusterPreviewOptions {
  if (positionals.length > 0) throw new UsageError(`--cluster reads the cluster: give no FILE (got ${positionals.map((p) => `"${p}"`).join(", ")})`);
  if (values.operation !== undefined && values.operation !== "CREATE") throw new UsageError("--cluster previews CREATE only (as each Pod would be created again)");
  if (values.user !== undefined || values.group !== undefined) {
    throw new UsageError("--user and --group do not go with --cluster: each Pod is judged as its controller (or, for a bare Pod, an authenticated user) creates it, together with its ServiceAccount");
  }
  const output = (values.output as string | undefined) ?? "table";
  if (output !== "table" && output !== "json") throw new UsageError(`with --cluster, -o must be table or json, not "${output}"`);
  if (values.namespace !== undefined && values["all-namespaces"]) throw new UsageError("give --namespace NS or --all-namespaces, not both");
  let chunkSize: number | undefined;
  if (values["chunk-size"] !== undefined) {
    chunkSize = Number(values["chunk-size"]);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new UsageError(`--chunk-size must be a positive whole number, not "${values["chunk-size"]}"`);
  }
  return {
    mode: "cluster",
    policies: values.policies as string[],
    kubeconfig: values.kubeconfig as string | undefined,
    scope: values["all-namespaces"] ? "all-namespaces" : values.namespace !== undefined ? { namespace: values.namespace as string } : "context-namespace",
    defaultPolicy: values["default-policy"] as string | undefined,
    chunkSize,
    output,
  };
}

function parseOptions(argv: string[]): PreviewOptions | ClusterPreviewOptions | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      policies: { type: "string", multiple: true },
      namespace: { type: "string" },
      user: { type: "string" },
      group: { type: "string", multiple: true },
      operation: { type: "string" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
      cluster: { type: "boolean" },
      kubeconfig: { type: "string" },
      "all-namespaces": { type: "boolean", short: "A" },
      "default-policy": { type: "string" },
      "chunk-size": { type: "string" },
    },
  });
  if (values.help) return "help";
  if (!values.policies?.length) throw new UsageError("--policies PATH is required (a policy file or a folder of them)");
  if (values.cluster) return parseClusterOptions(values, positionals);
  const clusterOnly = CLUSTER_ONLY.find((flag) => values[flag] !== undefined);
  if (clusterOnly) throw new UsageError(`--${clusterOnly} needs --cluster`);
  values.operation ??= "CREATE";
  values.output ??= "yaml";
  if (values.operation !== "CREATE" && values.operation !== "UPDATE") {
    throw new UsageError(`--operation must be CREATE or UPDATE, not "${values.operation}"`);
  }
  if (!["yaml", "json", "patch", "explain"].includes(values.output)) {
    throw new UsageError(`-o must be yaml, json, patch or explain, not "${values.output}"`);
  }
  if (positionals.length === 0) throw new UsageError('no input: give one or more FILEs, or "-" for standard input');
  if (values.user === "") throw new UsageError("--user must not be empty");
  if (values.group?.includes("")) throw new UsageError("--group must not be empty");
  return {
    policies: values.policies,
    namespace: values.namespace,
    defaultPolicy: values["default-policy"],
    userInfo: authenticatedUser(values.user, values.group),
    operation: values.operation,
    output: values.output as Output,
    files: positionals,
  };
}

function readInput(file: string, readStdin: () => string): SourcedObject[] {
  const objects = readObjectsFromFile(file, readStdin);
  for (const { source, object } of objects) {
    try {
      locatePod(object);
    } catch (error) {
      if (error instanceof UnsupportedObjectError) throw new InputError(source, error.field ? `${error.field}: ${error.message}` : error.message);
      throw error;
    }
  }
  return objects;
}

function namespaceOf(object: unknown): string | undefined {
  const ns = (object as { metadata?: { namespace?: unknown } }).metadata?.namespace;
  return typeof ns === "string" && ns !== "" ? ns : undefined;
}

function describe(entry: PreviewEntry): string {
  const ns = entry.namespace ? ` (namespace ${entry.namespace})` : "";
  return `${entry.kind}/${entry.name || "<unnamed>"}${ns}`;
}

function denialReport(entries: PreviewEntry[]): string {
  return entries
    .filter((e) => !e.allowed)
    .map((e) => `denied: ${describe(e)}\n${e.violations.map((v) => `  - ${v.path}: ${v.message}`).join("\n")}\n`)
    .join("");
}

/** How the CLI found the candidates (offline: no namespace labels), as decideForRequest says (`via`). */
function candidatesFrom(namespace: string | undefined, via: RequestDecision["via"]): string {
  if (via === "default") {
    const none = namespace
      ? `no policy bound to namespace "${namespace}" or unbound applies (namespace labels are not read offline)`
      : "no loaded policy applies (no namespace given)";
    return `the default policy (--default-policy), as ${none}`;
  }
  return namespace ? `the policies bound to namespace "${namespace}" and the unbound ones (namespace labels are not read offline)` : "every loaded policy (no namespace given)";
}

function render(entries: PreviewEntry[], output: Output, reports: ExplainReport[], io: CliIo): string {
  if (output === "explain") {
    const paint = wantsColour(io.stdout, io.env) ? COLOUR : NO_COLOUR;
    return reports.map((r) => renderExplain(r, paint)).join("\n");
  }
  if (output === "json") return `${JSON.stringify(entries, null, 2)}\n`;
  if (output === "patch") return entries.map((e) => `${JSON.stringify(e.patch)}\n`).join("");
  return entries.map((e) => stringify(e.object, { lineWidth: 0 })).join("---\n");
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  if (argv.some((a) => a === "--network" || a.startsWith("--network="))) return (await import("./preview-network.js")).run(argv, io);
  let options: PreviewOptions | ClusterPreviewOptions | "help";
  let entries: PreviewEntry[];
  const reports: ExplainReport[] = [];
  try {
    options = parseOptions(argv);
    if (options === "help") {
      io.stdout.write(USAGE);
      return EXIT_ADMITTED;
    }
    // Loaded only here: @kubernetes/client-node is heavy, and the offline preview does not need it.
    if ("mode" in options) return await (await import("./preview-cluster.js")).previewCluster(options, io);
    const { policies } = loadPolicies(options.policies);
    const { operation, userInfo, defaultPolicy } = options;
    const unknown = unknownDefaultPolicy(policies, defaultPolicy);
    if (unknown) {
      io.stderr.write(`secure-defaults preview: ${unknown}\n`);
      return EXIT_BAD_INPUT;
    }
    const objects = options.files.flatMap((file) => readInput(file, io.readStdin));
    const explicitNamespace = options.namespace;
    const explain = options.output === "explain";
    entries = objects.map(({ source, object }) => {
      const namespace = explicitNamespace ?? namespaceOf(object);
      let decision;
      try {
        decision = decideForRequest(object, namespace ?? "", undefined, { policies, defaultPolicy }, { operation, userInfo });
      } catch (error) {
        // The engine's limits and field-type checks (issue 14): named with the file and document.
        if (error instanceof UnsupportedObjectError) throw new InputError(source, error.message);
        throw error;
      }
      const { result, candidates, via } = decision;
      const entry = previewEntry(object, namespace, result);
      if (explain) {
        reports.push(explainReport({ object, entry, result, candidates, candidatesFrom: candidatesFrom(namespace, via), operation }));
      }
      return entry;
    });
  } catch (error) {
    if (isUsageError(error)) {
      writeUsageError(io, "preview", error, USAGE);
      return EXIT_BAD_INPUT;
    }
    if (error instanceof InputError || error instanceof PolicyLoadError) {
      io.stderr.write(`secure-defaults preview: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  io.stdout.write(render(entries, options.output, reports, io));
  if (options.output !== "json" && options.output !== "explain") io.stderr.write(denialReport(entries));
  return entries.every((e) => e.allowed) ? EXIT_ADMITTED : EXIT_DENIED;
}
