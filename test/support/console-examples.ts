// `console` blocks of a Markdown file as commands and their expected output: the first line is
// `$ secure-defaults ARGS`, the rest is stdout then stderr, up to an optional `[exit N]` line.
import assert from "node:assert/strict";

export interface ConsoleExample {
  args: string[];
  output: string;
  exit: number;
}

export function consoleExamples(markdown: string): ConsoleExample[] {
  return [...markdown.matchAll(/```console\n([\s\S]*?)```/g)].map(([, block]) => {
    const [command, ...rest] = block.trimEnd().split("\n");
    assert.match(command, /^\$ secure-defaults /, `a console block must start with "$ secure-defaults": ${command}`);
    const exit = /^\[exit (\d+)\]$/.exec(rest.at(-1) ?? "");
    const output = exit ? rest.slice(0, -1) : rest;
    return { args: command.slice("$ secure-defaults ".length).split(" "), output: output.map((l) => `${l}\n`).join(""), exit: exit ? Number(exit[1]) : 0 };
  });
}
