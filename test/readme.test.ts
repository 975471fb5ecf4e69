// The README's `console` examples are run as written: each `$ secure-defaults ...` line is executed and
// its output (stdout, then stderr) must match the lines that follow, up to an optional `[exit N]`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { runCli } from "./support/run-cli.js";

interface Example {
  args: string[];
  output: string;
  exit: number;
}

function examples(markdown: string): Example[] {
  const blocks = [...markdown.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.map((block) => {
    const [command, ...rest] = block.trimEnd().split("\n");
    assert.match(command, /^\$ secure-defaults /, `a console block must start with "$ secure-defaults": ${command}`);
    const last = rest.at(-1) ?? "";
    const exit = /^\[exit (\d+)\]$/.exec(last);
    const output = exit ? rest.slice(0, -1) : rest;
    return { args: command.slice("$ secure-defaults ".length).split(" "), output: output.map((l) => `${l}\n`).join(""), exit: exit ? Number(exit[1]) : 0 };
  });
}

describe("README examples", () => {
  const found = examples(readFileSync(join(REPO_ROOT, "README.md"), "utf8"));
  it("has examples to run", () => assert.ok(found.length >= 3));
  for (const example of found) {
    it(`secure-defaults ${example.args.join(" ")}`, async () => {
      const run = await runCli(example.args);
      assert.equal(run.stdout + run.stderr, example.output);
      assert.equal(run.status, example.exit);
    });
  }
});
