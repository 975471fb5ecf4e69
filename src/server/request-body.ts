// Reads and parses a JSON request body straight from node:http, for /mutate and /preview alike: at most
// BODY_LIMIT_BYTES (413 beyond), identity-encoded UTF-8 only (415 otherwise: the API server always sends
// that), then JSON that is an object or an array and not nested too deep (400 otherwise).
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** Largest request body accepted (the API server's own limit for an object is 3 MiB). */
export const BODY_LIMIT_BYTES = 3 * 1024 * 1024;

const TOO_LARGE = `the request body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MiB`;

/** A body that is not read: the status and message of the answer. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The rest of the body was left unread, so the connection cannot take another request. */
    readonly closeConnection = false,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

const ACCEPTED = "secure-defaults reads only identity-encoded (uncompressed) UTF-8 JSON, which is what the API server sends";

/**
 * Why a body with these headers is not read (the 415 message), or undefined: a Content-Encoding other than
 * identity, or a Content-Type charset other than UTF-8.
 */
export function unsupportedBody(headers: IncomingHttpHeaders): string | undefined {
  const encoding = headers["content-encoding"]?.trim();
  if (encoding && encoding.toLowerCase() !== "identity") return `unsupported Content-Encoding "${encoding}": ${ACCEPTED}`;
  const type = headers["content-type"];
  if (type === undefined || type === "application/json") return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) return `unsupported charset "${charset}" in Content-Type "${type}": ${ACCEPTED}`;
  return undefined;
}

/**
 * A body that is refused (over the limit, or in an encoding or charset not read) is read and dropped up to
 * this many bytes before the answer goes out: a client still sending when the answer came and the
 * connection closed would see a broken pipe instead of the answer. Beyond it, the answer goes out at once.
 * Either way the connection closes after the answer.
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

/** The whole body, or a BodyError: 413 once it passes BODY_LIMIT_BYTES (the rest is discarded), 400 if aborted. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => reject(new BodyError(413, TOO_LARGE, true));
    const declared = Number(req.headers["content-length"]);
    if (declared > BODY_LIMIT_BYTES) {
      discardRest(req, tooLarge);
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
      if (length > BODY_LIMIT_BYTES) {
        failed = true;
        chunks.length = 0;
        discardRest(req, tooLarge);
      } else chunks.push(chunk);
    });
    req.once("end", () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
    });
    req.once("aborted", () => fail(new BodyError(400, "the client aborted the request")));
    req.once("error", (error) => fail(new BodyError(400, `the request body could not be read: ${error.message}`)));
  });
}

/** JSON.parse, strict: the document must be an object or an array (as express.json() had it). */
function parseJsonBody(body: Buffer): unknown {
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

/**
 * The body of a POST, parsed: else a BodyError with the answer (415, 413, or 400 for an empty body, one
 * that is not a JSON object or array, or one nested deeper than MAX_JSON_DEPTH). `expected` names what the
 * route takes, for the empty-body message.
 */
export async function readJsonBody(req: IncomingMessage, expected: string): Promise<unknown> {
  const unsupported = unsupportedBody(req.headers);
  if (unsupported !== undefined) {
    await new Promise<void>((done) => discardRest(req, done));
    throw new BodyError(415, unsupported, true);
  }
  const raw = await readBody(req);
  if (raw.length === 0) throw new BodyError(400, `the request body is empty: POST ${expected}`);
  const body = parseJsonBody(raw);
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) throw new BodyError(400, TOO_DEEP);
  return body;
}
