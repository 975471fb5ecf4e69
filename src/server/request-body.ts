// Reads and parses a JSON request body straight from node:http, for the admission hot path: the same
// limit and the same answers as express.json() (413 over the limit, 400 for bad JSON), without the
// framework's per-request cost. Compressed or non-UTF-8 bodies are left to express.json() (see app.ts).
import type { IncomingMessage } from "node:http";

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** Whether express.json() should read this body instead: a content encoding or a charset other than UTF-8. */
export function needsBodyParser(req: IncomingMessage): boolean {
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") return true;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1];
  return charset !== undefined && !/^utf-?8$/i.test(charset);
}

/**
 * After a body passes the limit, the rest is read and dropped up to this many bytes before the 413 goes
 * out: a client still sending when the answer came and the connection closed would see a broken pipe
 * instead of the 413. Beyond it, the 413 goes out at once and the connection closes.
 */
export const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;

/** Reads and drops the rest of `req` (at most DISCARD_LIMIT_BYTES), then calls `done` once. */
function discardRest(req: IncomingMessage, done: () => void): void {
  let dropped = 0;
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    req.off("data", count);
    done();
  };
  const count = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_LIMIT_BYTES) finish();
  };
  if (req.readableEnded) return finish();
  req.on("data", count);
  req.once("end", finish);
  req.once("aborted", finish);
  req.once("close", finish);
  req.resume();
}

/** The whole body, or a BodyError: 413 once it passes `limit` bytes (the rest is discarded), 400 if aborted. */
export function readBody(req: IncomingMessage, limit: number, tooLarge: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) {
      discardRest(req, () => reject(new BodyError(413, tooLarge)));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let failed = false;
    const fail = (error: BodyError) => {
      if (failed) return;
      failed = true;
      chunks.length = 0;
      reject(error);
    };
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      length += chunk.length;
      if (length > limit) {
        failed = true;
        chunks.length = 0;
        discardRest(req, () => reject(new BodyError(413, tooLarge)));
      } else chunks.push(chunk);
    });
    req.once("end", () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
    });
    req.once("aborted", () => fail(new BodyError(400, "the client aborted the request")));
    req.once("error", (error) => fail(new BodyError(400, `the request body could not be read: ${error.message}`)));
  });
}

/** JSON.parse with express.json()'s strict rule: the document must be an object or an array. */
export function parseJsonBody(body: Buffer): unknown {
  let text = body.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = /\S/.exec(text)?.[0];
  if (first !== "{" && first !== "[") {
    throw new BodyError(400, `the request body is not valid JSON: expected an object or an array, found ${first === undefined ? "nothing" : JSON.stringify(text.trim().slice(0, 20))}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Deepest nesting of objects and arrays a body may have. A Kubernetes object has no free-form fields, so a
 * Pod in an AdmissionReview (or a CronJob's pod template, or managedFields) stays within about 30 levels;
 * Node's recursive JSON.stringify and util.isDeepStrictEqual overflow the stack at 2,000 to 5,000 levels,
 * which JSON.parse accepts (issue 14: a 5,000-deep annotation got a 500 from /preview).
 */
export const MAX_JSON_DEPTH = 100;

/** Whether `value` nests objects and arrays more than `max` levels deep (iterative, linear in its size). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

export const TOO_DEEP = `the request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; secure-defaults accepts at most ${MAX_JSON_DEPTH}`;
