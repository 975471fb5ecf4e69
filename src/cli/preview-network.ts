// `secure-defaults preview --network NAMESPACE`: the NetworkPolicies `serve` would keep in a namespace
// once it opts in, offline, as YAML (or -o json, a v1 List), for review before they are applied.
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { chooseNetworkDefault } from "../admission/network-default.js";
import { loadPolicies, PolicyLoadError } from "../policy/load.js";
import { processIo, type CliIo } from "./io.js";
import { isUsageError, UsageError, writeUsageError } from "./usage-error.js";

const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;

export const NETWORK_USAGE = `Usage: secure-defaults preview --network NAMESPACE --policies PATH [--label KEY=VALUE ...]
                               [--default-policy NAME] [-o yaml|json]

Prints the NetworkPolicies \`secure-defaults serve\` keeps in NAMESPACE once it is opted in
(secure-defaults.io/enabled=true), chosen as for its Pods: the secure-defaults.io/policy label, the
policies bound to it, or --default-policy; among several, the first by name that has a networkDefault.

  --network NS        the namespace
  --policies PATH     policy file or folder (repeatable, required)
  --label KEY=VALUE   a label of the namespace (repeatable), e.g. --label secure-defaults.io/policy=restricted
  --default-policy N  as serve's --default-policy
  -o, --output FMT    yaml (default): the objects, one document each; json: a v1 List

Exit status: 0 printed (nothing when no chosen policy declares a network default), 2 bad input or bad policy.
`;

interface Options {
  namespace: string;
  policies: string[];
  labels: Record<string, string>;
  defaultPolicy?: string;
  output: "yaml" | "json";
}

function parseOptions(argv: string[]): Options | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      network: { type: "string" },
      policies: { type: "string", multiple: true },
      label: { type: "string", multiple: true },
      "default-policy": { type: "string" },
      output: { type: "string", short: "o", default: "yaml" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (!values.network) throw new UsageError("--network needs a namespace name");
  if (!values.policies?.length) throw new UsageError("--policies PATH is required (a policy file or a folder of them)");
  if (positionals.length) throw new UsageError(`--network takes no FILE arguments (got "${positionals[0]}")`);
  if (values.output !== "yaml" && values.output !== "json") throw new UsageError(`-o must be yaml or json with --network, not "${values.output}"`);
  const labels: Record<string, string> = {};
  for (const label of values.label ?? []) {
    const eq = label.indexOf("=");
    if (eq <= 0) throw new UsageError(`--label must be KEY=VALUE, not "${label}"`);
    labels[label.slice(0, eq)] = label.slice(eq + 1);
  }
  return { namespace: values.network, policies: values.policies, labels, defaultPolicy: values["default-policy"], output: values.output };
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let options: Options | "help";
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout.write(NETWORK_USAGE);
    return EXIT_OK;
  }
  try {
    options = parseOptions(argv);
    if (options === "help") {
      io.stdout.write(NETWORK_USAGE);
      return EXIT_OK;
    }
  } catch (error) {
    if (isUsageError(error)) {
      writeUsageError(io, "preview", error, NETWORK_USAGE);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  let policies;
  try {
    policies = loadPolicies(options.policies).policies;
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    io.stderr.write(`secure-defaults preview: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const choice = chooseNetworkDefault(policies, options.namespace, options.labels, options.defaultPolicy);
  if (!choice.ok) {
    io.stderr.write(`secure-defaults preview: ${choice.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (options.output === "json") {
    io.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: choice.objects }, null, 2)}\n`);
  } else if (choice.policy) {
    const header = `# NetworkPolicies for namespace ${options.namespace}, from policy ${choice.policy}\n`;
    io.stdout.write(header + choice.objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n"));
  }
  if (!choice.policy) io.stderr.write(`secure-defaults preview: no policy chosen for namespace ${options.namespace} declares a networkDefault; no NetworkPolicies\n`);
  return EXIT_OK;
}
