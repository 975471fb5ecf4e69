// The log line format: one JSON object per line with level, message, fields and timestamp; secret-looking
// fields redacted; values JSON cannot express (a cycle, a BigInt) still give a line instead of an error.
import assert from "node:assert/strict";
import { createLogger } from "../src/logging/logger.js";
import { LogCapture } from "./support/server-harness.js";

function capture(level: "info" | "debug" = "info") {
  const logs = new LogCapture();
  return { logs, logger: createLogger({ level, stream: logs.stream }) };
}

describe("logging: JSON lines", () => {
  it("writes level, message, the fields in order and an ISO timestamp", () => {
    const { logs, logger } = capture();
    logger.info("admission", { uid: "u-1", namespace: "team-a", allowed: true, patchOperations: 7 });
    assert.equal(logs.raw.length, 1);
    const { timestamp, ...rest } = logs.lines[0];
    assert.deepEqual(rest, { level: "info", message: "admission", uid: "u-1", namespace: "team-a", allowed: true, patchOperations: 7 });
    assert.match(String(timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(logs.raw[0], JSON.stringify(logs.lines[0]));
  });

  it("redacts fields whose names look like credentials", () => {
    const { logs, logger } = capture();
    logger.warn("login", { token: "abc", Authorization: "Bearer abc", privateKey: "-----BEGIN", user: "kim" });
    const { timestamp, ...rest } = logs.lines[0];
    assert.equal(typeof timestamp, "string");
    assert.deepEqual(rest, { level: "warn", message: "login", token: "[redacted]", Authorization: "[redacted]", privateKey: "[redacted]", user: "kim" });
    assert.ok(!logs.raw[0].includes("abc"));
  });

  it("still writes a line for a cyclic object and a BigInt", () => {
    const { logs, logger } = capture();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    logger.error("odd values", { cyclic, big: 10n });
    assert.equal(logs.lines.length, 1);
    assert.equal(logs.lines[0].message, "odd values");
    assert.equal((logs.lines[0].cyclic as Record<string, unknown>).self, "[Circular]");
    assert.equal(logs.lines[0].big, "10");
  });

  it("drops lines below the level", () => {
    const { logs, logger } = capture("info");
    logger.debug("hidden", { a: 1 });
    logger.info("shown");
    assert.deepEqual(logs.lines.map((l) => l.message), ["shown"]);
  });
});
