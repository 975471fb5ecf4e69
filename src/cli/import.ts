// `secure-defaults import [-o DIR] FILE...`: PodSecurityPolicies and their RBAC → SecureDefaultsPolicies
// with subjects. A contract: flags, output layout and exit statuses are kept exactly as documented.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ImportError, importPodSecurityPolicies, renderImported } from "../policy/import-psp.js";
import { processIo, type CliIo } from "./io.js";
import { InputError, readObjectsFromFile } from "./read-objects.js";
import { isUsageError, UsageError, writeUsageError } from "./usage-error.js";

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;

const USAGE = `Usage: secure-defaults import [-o DIR] FILE...

Converts PodSecurityPolicies, and the ClusterRoles, Roles, ClusterRoleBindings and RoleBindings that
let users, groups and ServiceAccounts "use" them, into SecureDefaultsPolicies with subjects that decide
as PSP decided. FILE is YAML or JSON, multi-document or a v1 List, as printed by
  kubectl get psp,clusterroles,roles,clusterrolebindings,rolebindings -A -o yaml
or a Helm chart's rendered output; "-" reads standard input. Other kinds are skipped (one line each on
standard error).

  -o, --output-dir DIR   write one file per policy, DIR/<name>.yaml (default: all policies as
                         multi-document YAML on standard output)

Exit status: 0 converted, 2 bad input (the file and the field are named).
`;

function parseOptions(argv: string[]): { dir?: string; files: string[] } | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { "output-dir": { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError('no input: give one or more FILEs, or "-" for standard input');
  if (values["output-dir"] === "") throw new UsageError("-o DIR must not be empty");
  return { dir: values["output-dir"], files: positionals };
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const options = parseOptions(argv);
    if (options === "help") {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    const { policies, notes } = importPodSecurityPolicies(options.files.flatMap((file) => readObjectsFromFile(file, io.readStdin)));
    for (const note of notes) io.stderr.write(`${note}\n`);
    if (options.dir === undefined) {
      io.stdout.write(policies.map(renderImported).join("---\n"));
      return EXIT_OK;
    }
    mkdirSync(options.dir, { recursive: true });
    for (const policy of policies) {
      const file = join(options.dir, `${policy.name}.yaml`);
      writeFileSync(file, renderImported(policy));
      io.stderr.write(`wrote ${file}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    if (isUsageError(error)) {
      writeUsageError(io, "import", error, USAGE);
      return EXIT_BAD_INPUT;
    }
    if (error instanceof InputError || error instanceof ImportError) {
      const lines = error.message.split("\n");
      io.stderr.write(lines.map((l) => `secure-defaults import: ${l}\n`).join(""));
      return EXIT_BAD_INPUT;
    }
    if ((error as NodeJS.ErrnoException).code && (error as NodeJS.ErrnoException).syscall) {
      io.stderr.write(`secure-defaults import: ${(error as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}
