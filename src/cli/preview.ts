// `secure-defaults preview`: what the webhook would do to workload manifests, offline.
// A contract for CI pipelines: flags, JSON fields and exit statuses are kept exactly as documented.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { evaluate } from "../engine/evaluate.js";
import type { Operation } from "../engine/types.js";
import { locatePod, UnsupportedObjectError } from "../engine/workload.js";
import { candidatesFor } from "../policy/bindings.js";
import { loadPolicies, PolicyLoadError } from "../policy/load.js";
import { previewEntry, type PreviewEntry } from "../preview/entry.js";
import { InputError, readObjects, type SourcedObject } from "../preview/read-objects.js";

export const EXIT_ADMITTED = 0;
export const EXIT_DENIED = 1;
export const EXIT_BAD_INPUT = 2;

const USAGE = `Usage: secure-defaults preview --policies PATH [--policies PATH ...] [--namespace NS]
                               [--operation CREATE|UPDATE] [-o yaml|json|patch] FILE...

Shows what the webhook would do to Pods and workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob), without a cluster. FILE is YAML or JSON, multi-document or a
v1 List; "-" reads standard input. PATH is a policy file or a folder of them.

  --policies PATH     policy file or folder (repeatable, required)
  --namespace NS      namespace to choose policies for (default: each object's metadata.namespace;
                      with neither, every loaded policy is a candidate)
  --operation OP      CREATE (default) or UPDATE (validate only, never patch)
  -o, --output FMT    yaml (default): resulting objects; json: one array of results;
                      patch: one RFC 6902 JSON patch per object, one per line

Exit status: 0 every object admitted, 1 any denied, 2 bad input or bad policy.

       secure-defaults preview --network NAMESPACE --policies PATH [--label KEY=VALUE ...] [-o yaml|json]

Prints the NetworkPolicies the webhook keeps in NAMESPACE (see "secure-defaults preview --network --help").
`;

type Output = "yaml" | "json" | "patch";

interface PreviewOptions {
  policies: string[];
  namespace?: string;
  operation: Operation;
  output: Output;
  files: string[];
}

class UsageError extends Error {}

function parseOptions(argv: string[]): PreviewOptions | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      policies: { type: "string", multiple: true },
      namespace: { type: "string" },
      operation: { type: "string", default: "CREATE" },
      output: { type: "string", short: "o", default: "yaml" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (!values.policies?.length) throw new UsageError("--policies PATH is required (a policy file or a folder of them)");
  if (values.operation !== "CREATE" && values.operation !== "UPDATE") {
    throw new UsageError(`--operation must be CREATE or UPDATE, not "${values.operation}"`);
  }
  if (!["yaml", "json", "patch"].includes(values.output)) {
    throw new UsageError(`-o must be yaml, json or patch, not "${values.output}"`);
  }
  if (positionals.length === 0) throw new UsageError('no input: give one or more FILEs, or "-" for standard input');
  return {
    policies: values.policies,
    namespace: values.namespace,
    operation: values.operation,
    output: values.output as Output,
    files: positionals,
  };
}

function readInput(file: string): SourcedObject[] {
  const name = file === "-" ? "<stdin>" : file;
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new InputError(name, `cannot read: ${(error as Error).message}`);
  }
  const objects = readObjects(text, name);
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

function render(entries: PreviewEntry[], output: Output): string {
  if (output === "json") return `${JSON.stringify(entries, null, 2)}\n`;
  if (output === "patch") return entries.map((e) => `${JSON.stringify(e.patch)}\n`).join("");
  return entries.map((e) => stringify(e.object, { lineWidth: 0 })).join("---\n");
}

export async function run(argv: string[]): Promise<number> {
  if (argv.some((a) => a === "--network" || a.startsWith("--network="))) return (await import("./preview-network.js")).run(argv);
  let options: PreviewOptions | "help";
  let entries: PreviewEntry[];
  try {
    options = parseOptions(argv);
    if (options === "help") {
      process.stdout.write(USAGE);
      return EXIT_ADMITTED;
    }
    const { policies } = loadPolicies(options.policies);
    const objects = options.files.flatMap(readInput);
    const operation = options.operation;
    const explicitNamespace = options.namespace;
    entries = objects.map(({ object }) => {
      const namespace = explicitNamespace ?? namespaceOf(object);
      const result = evaluate(object, candidatesFor(policies, namespace), { operation });
      return previewEntry(object, namespace, result);
    });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`secure-defaults preview: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT_BAD_INPUT;
    }
    if (error instanceof InputError || error instanceof PolicyLoadError) {
      process.stderr.write(`secure-defaults preview: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  process.stdout.write(render(entries, options.output));
  if (options.output !== "json") process.stderr.write(denialReport(entries));
  return entries.every((e) => e.allowed) ? EXIT_ADMITTED : EXIT_DENIED;
}
