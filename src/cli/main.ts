#!/usr/bin/env node
// The `secure-defaults` process: runs the command (commands.ts) with the process's streams and
// environment, and exits with its status.
import { runCommand } from "./commands.js";
import { processIo } from "./io.js";

void runCommand(process.argv.slice(2), processIo).then((code) => {
  process.exitCode = code;
});
