// The Dockerfile, checked without a Docker engine: multi-stage build, production dependencies only,
// non-root numeric user, an entrypoint that is the CLI's `serve` with flags `serve` accepts and paths
// that match the Deployment's mounts, and a build context that holds only what the build needs.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { basename, join, posix, relative } from "node:path";
import ts from "typescript";
import { BASE_DIR, REPO_ROOT, flagNames, flagValues, mountOf, only, render, webhookContainer, POLICIES_CONFIGMAP, TLS_SECRET } from "./support/manifests-render.js";
import { runCli } from "./support/run-cli.js";

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile → instructions (continuations joined, comments dropped) → stages. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === "" || line.trimStart().startsWith("#"))) continue;
    if (current && line.trimStart().startsWith("#")) continue;
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    logical.push((current + line).trim());
    current = "";
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const l of logical) {
    const [keyword, ...rest] = l.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "ARG" && stages.length === 0) {
      const [k, v] = instruction.args.split("=");
      args.set(k, v ?? "");
    } else if (instruction.keyword === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      assert.ok(m, `FROM ${instruction.args}`);
      const from = m[1].replace(/^\$\{?(\w+)\}?$/, (_, name: string) => args.get(name) ?? name);
      stages.push({ from, name: m[2], instructions: [] });
    } else {
      assert.ok(stages.length, `${instruction.keyword} before FROM`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { args, stages };
}

function execForm(instruction: Instruction | undefined): string[] {
  assert.ok(instruction, "instruction present");
  const parsed = JSON.parse(instruction.args) as unknown;
  assert.ok(Array.isArray(parsed) && parsed.every((a) => typeof a === "string"), `${instruction.keyword} uses the exec (JSON) form`);
  return parsed as string[];
}

const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
const copies = (stage: Stage) => stage.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args.split(/\s+/));

/** A minimal .dockerignore matcher: globs with * and **, `!` re-includes, the last match wins, a match on a directory covers its contents. */
function ignored(patterns: readonly string[], path: string): boolean {
  const toRegex = (glob: string) =>
    new RegExp(
      "^" +
        glob
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*\*\/?/g, "%GLOBSTAR%")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]")
          .split("%GLOBSTAR%")
          .join("(.*/)?") +
        "$",
    );
  const parts = path.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let result = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const glob = posix.normalize((negate ? raw.slice(1) : raw).replace(/\/+$/, "")).replace(/^\.?\//, "");
    if (prefixes.some((p) => toRegex(glob).test(p))) result = !negate;
  }
  return result;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
const dockerignore = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  type: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("Dockerfile", () => {
  const { stages } = dockerfile;
  const final = stages.at(-1)!;
  const build = stages[0];

  it("is multi-stage: builds in the first stage with the full toolchain", () => {
    assert.ok(stages.length >= 2);
    assert.ok(runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit[= ]dev/.test(r)), "npm ci with dev dependencies");
    assert.ok(runs(build).some((r) => /\btsc\b.*-p/.test(r)), "compiles with tsc");
  });

  it("puts production dependencies only into the final image", () => {
    const depsStages = stages.filter((s) => runs(s).some((r) => /\bnpm ci\b.*--omit[= ]dev/.test(r)));
    assert.ok(depsStages.length >= 1, "a stage runs npm ci --omit=dev");
    const nodeModules = copies(final).filter((c) => c.some((a) => /node_modules/.test(a)));
    assert.equal(nodeModules.length, 1, "node_modules copied once");
    const from = nodeModules[0].find((a) => a.startsWith("--from="))?.slice("--from=".length);
    assert.ok(from && depsStages.some((s) => s.name === from), `node_modules comes from the --omit=dev stage (${from})`);
    assert.ok(!copies(build).some((c) => c.some((a) => /node_modules/.test(a))), "the build stage's node_modules is never copied");
    assert.deepEqual(runs(final), [], "the final stage runs nothing (no npm, no shell)");
  });

  it("uses a Node 20 slim, alpine or distroless base for the final image", () => {
    assert.match(final.from, /^(node:20[-.\w]*-(slim|alpine)[\w.-]*|node:20-alpine|gcr\.io\/distroless\/nodejs20[-\w]*(:[\w.-]+)?)(@sha256:[0-9a-f]{64})?$/);
    for (const s of stages.slice(0, -1)) assert.match(s.from, /^node:20\b/, `${s.name}: builds with Node 20`);
  });

  it("runs as a numeric non-root user", () => {
    const user = last(final, "USER");
    assert.ok(user, "USER set in the final stage");
    const m = /^(\d+)(?::(\d+))?$/.exec(user.args);
    assert.ok(m, `numeric USER (${user.args})`);
    assert.notEqual(Number(m[1]), 0, "not root");
    if (m[2] !== undefined) assert.notEqual(Number(m[2]), 0, "not the root group");
  });

  it("carries only the compiled CLI, package.json (for \"type\": \"module\") and the production node_modules", () => {
    assert.equal(packageJson.type, "module");
    const destinations = copies(final).map((c) => c.filter((a) => !a.startsWith("--")).at(-1));
    assert.deepEqual(destinations.sort(), ["./dist/src", "./node_modules", "./package.json"]);
    const distCopy = copies(final).find((c) => c.at(-1) === "./dist/src")!;
    assert.ok(distCopy.some((a) => a === "--from=build" || a === `--from=${build.name}`), "dist from the build stage");
    assert.ok(!copies(final).some((c) => c.some((a) => /(^|\/)(test|bench|src|policies|manifests)$/.test(a) && !a.endsWith("dist/src"))), "no sources, tests or manifests");
  });

  it("has the CLI's `serve` as its entrypoint", () => {
    const entrypoint = execForm(last(final, "ENTRYPOINT"));
    assert.equal(basename(entrypoint[0]), "node");
    const main = posix.normalize(entrypoint[1]);
    assert.equal(main, posix.normalize(packageJson.bin["secure-defaults"]), "the package's bin");
    assert.equal(main, "dist/src/cli/main.js");
    assert.equal(last(final, "WORKDIR")?.args, "/app");
    const mainTs = readFileSync(join(REPO_ROOT, "src", "cli", "main.ts"), "utf8");
    assert.match(mainTs, /\brunCommand\(process\.argv\.slice\(2\), processIo\)/, "main.ts runs the command line");
    const commandsTs = readFileSync(join(REPO_ROOT, "src", "cli", "commands.ts"), "utf8");
    assert.match(commandsTs, /\bserve: \(\) => import\("\.\/serve\.js"\)/, "commands.ts dispatches `serve`");
    assert.equal(entrypoint[2], "serve");
    assert.equal(entrypoint.length, 3, "flags go to CMD, so the Deployment's args can replace them");
  });

  it("passes the same policy and TLS paths and port as the Deployment, which mounts them there", () => {
    const cmd = execForm(last(final, "CMD"));
    const deployment = only(render(BASE_DIR), "Deployment");
    const args: string[] = webhookContainer(deployment).args;
    for (const flag of ["--policies", "--tls-cert", "--tls-key", "--port"]) {
      assert.deepEqual(flagValues(cmd, flag), flagValues(args, flag), flag);
    }
    const policies = mountOf(deployment, (v) => v.configMap?.name === POLICIES_CONFIGMAP).mountPath;
    const tls = mountOf(deployment, (v) => v.secret?.secretName === TLS_SECRET).mountPath;
    assert.deepEqual(flagValues(cmd, "--policies"), [policies]);
    assert.deepEqual(flagValues(cmd, "--tls-cert"), [`${tls}/tls.crt`]);
    assert.deepEqual(flagValues(cmd, "--tls-key"), [`${tls}/tls.key`]);
    const exposed = last(final, "EXPOSE")?.args;
    assert.deepEqual(flagValues(cmd, "--port"), [exposed]);
  });

  it("uses only flags that `secure-defaults serve --help` documents (image CMD and Deployment args)", async () => {
    const r = await runCli(["serve", "--help"]);
    assert.equal(r.status, 0, r.stderr);
    const documented = new Set(r.stdout.match(/--[a-z][-a-z]*/g));
    const cmd = execForm(last(final, "CMD"));
    const args: string[] = webhookContainer(only(render(BASE_DIR), "Deployment")).args;
    for (const flag of [...flagNames(cmd), ...flagNames(args)]) assert.ok(documented.has(flag), `serve --help documents ${flag}`);
  });

  it("needs at runtime only packages listed in dependencies (dev dependencies are not in the image)", () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const used = new Map<string, string>();
    for (const file of walk(join(REPO_ROOT, "src")).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))) {
      // Transpiling drops imports used only as types, exactly as tsc does for the image.
      const js = ts.transpileModule(readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g)) {
        const spec = m[1];
        if (spec.startsWith(".") || builtins.has(spec) || spec.startsWith("node:")) continue;
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        used.set(pkg, relative(REPO_ROOT, file));
      }
    }
    assert.ok(used.size > 0);
    for (const [pkg, file] of used) assert.ok(pkg in packageJson.dependencies, `${file} imports ${pkg} at runtime, which is not in dependencies`);
  });
});

describe(".dockerignore", () => {
  const sent = (path: string) => !ignored(dockerignore, path);

  it("sends every file the Dockerfile copies from the build context", () => {
    for (const stage of dockerfile.stages) {
      for (const c of copies(stage).filter((args) => !args.some((a) => a.startsWith("--from=")))) {
        for (const source of c.filter((a) => !a.startsWith("--")).slice(0, -1)) {
          const files = statSync(join(REPO_ROOT, source)).isDirectory() ? walk(join(REPO_ROOT, source)).map((f) => relative(REPO_ROOT, f)) : [source];
          assert.ok(files.length > 0, source);
          for (const f of files) assert.ok(sent(f), `${f} (COPY ${source}) reaches the build`);
        }
      }
    }
  });

  it("keeps out what the image does not need: tests, manifests, build output, dependencies, git, keys", () => {
    for (const path of [
      "test/certs-cli.test.ts",
      "manifests/base/deployment.yaml",
      "docs/install.md",
      "bench/run.ts",
      "dist/src/cli/main.js",
      "node_modules/express/package.json",
      "src/node_modules/x/index.js",
      ".git/HEAD",
      ".secure-defaults/ca.key",
      "src/tls/leftover.key",
      "Dockerfile",
      "README.md",
    ]) {
      assert.ok(!sent(path), `${path} is not sent`);
    }
  });

  it("the matcher used here follows .dockerignore rules", () => {
    assert.ok(ignored(["*", "!src/"], "test/x.ts"));
    assert.ok(!ignored(["*", "!src/"], "src/a/b.ts"));
    assert.ok(ignored(["*", "!src/", "**/*.key"], "src/a/b.key"));
    assert.ok(ignored(["**/dist"], "a/dist/x.js"));
  });
});
