// Drill 1's requests: hostile bodies for /mutate and /preview, generated with fast-check from one seed
// (the same seed gives the same requests, so a failure can be replayed with --seed). Pure apart from
// zlib: the caller passes the real manifests in. Used by `npm run drills` and, with small counts, by
// test/drills-hostile.test.ts.
import fc from "fast-check";
import { deflateSync, gzipSync } from "node:zlib";
import { admissionReview, pod } from "../bench/lib/reviews.js";
import type { DrillRequest } from "./lib/client.js";

type Json = Record<string, unknown>;

export const BODY_LIMIT = 3 * 1024 * 1024;

/** How many requests of each generator; `scale` 1 gives the full drill (over 10,000 requests). */
export function hostileCounts(scale: number) {
  const n = (x: number) => Math.max(2, Math.round(x * scale));
  return {
    randomBytes: n(800),
    randomJson: n(1200),
    truncated: n(800),
    deepNesting: n(60),
    hugeArrays: n(30),
    wrongTypes: n(1600),
    protoKeys: n(600),
    charsets: n(400),
    reviewShape: n(1600),
    realManifests: n(3000),
  };
}
export type HostileKind = keyof ReturnType<typeof hostileCounts> | "bombs" | "sizes";

const REVIEW = admissionReview("team-a", 3, 1) as Json & { request: Json & { uid: string } };
const POD = pod("team-a", 3);

function review(object: unknown, uid = "d1e1-0000-4000-8000-000000000001", extra: Json = {}): Json {
  return { ...REVIEW, request: { ...(REVIEW.request as Json), uid, object, ...extra } };
}

function mutateOrPreview(i: number, kind: HostileKind, body: Buffer | string, uid?: string, headers?: Record<string, string>): DrillRequest {
  return { path: i % 2 === 0 ? "/mutate" : "/preview", kind, body, uid: i % 2 === 0 ? uid : undefined, headers };
}

/** Every field path of a JSON value (objects and arrays), depth-first. */
export function fieldPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)) {
      const path = [...prefix, k];
      out.push(path);
      fieldPaths(v, path, out);
    }
  }
  return out;
}

export function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The Pod a manifest runs: the object itself for a Pod, else its Pod template (workloads, Jobs, CronJobs). */
export function podOf(object: unknown): Json | undefined {
  if (typeof object !== "object" || object === null) return undefined;
  const o = object as { kind?: string; metadata?: Json; spec?: { template?: { metadata?: Json; spec?: Json }; jobTemplate?: { spec?: { template?: { metadata?: Json; spec?: Json } } } } };
  if (o.kind === "Pod") return o as Json;
  const t = o.spec?.template ?? o.spec?.jobTemplate?.spec?.template;
  return t?.spec ? { apiVersion: "v1", kind: "Pod", metadata: { ...(t.metadata ?? {}), name: "from-template" }, spec: t.spec } : undefined;
}

const wrongValues: unknown[] = [null, 0, -1, 1.5, 2 ** 53, "x", "", true, [], {}, [null], { "": null }];

/** Every hostile request of drill 1, from `seed`; `manifests` are the real manifests' objects (may be empty). */
export function* hostileRequests(seed: number, scale: number, manifests: readonly unknown[]): Generator<DrillRequest> {
  const c = hostileCounts(scale);
  const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, salt: number): T[] => fc.sample(arb, { seed: seed + salt, numRuns });
  let i = 0;

  for (const bytes of sample(fc.uint8Array({ minLength: 0, maxLength: 4096 }), c.randomBytes, 1)) yield mutateOrPreview(i++, "randomBytes", Buffer.from(bytes));

  for (const value of sample(fc.jsonValue({ maxDepth: 6 }), c.randomJson, 2)) {
    const asReview = i % 3 === 0 ? review(value) : value;
    yield mutateOrPreview(i++, "randomJson", JSON.stringify(asReview));
  }

  const full = JSON.stringify(REVIEW);
  for (const cut of sample(fc.integer({ min: 0, max: full.length - 1 }), c.truncated, 3)) yield mutateOrPreview(i++, "truncated", full.slice(0, cut));

  for (const [depth, shape, where] of sample(fc.tuple(fc.integer({ min: 50, max: 400_000 }), fc.constantFrom("array", "object"), fc.constantFrom("spec", "labels", "top")), c.deepNesting, 4)) {
    const open = shape === "array" ? "[".repeat(depth) : '{"a":'.repeat(depth);
    const close = shape === "array" ? "]".repeat(depth) : "}".repeat(depth);
    const nested = `${open}1${close}`;
    if (nested.length > BODY_LIMIT - 10_000) continue;
    const podText = JSON.stringify(POD);
    const body =
      where === "top"
        ? nested
        : where === "spec"
          ? JSON.stringify(review("@")).replace('"@"', podText.replace('"spec":{', `"spec":{"deep":${nested},`))
          : JSON.stringify(review("@")).replace('"@"', podText.replace('"labels":{', `"labels":{"deep":${nested},`));
    yield mutateOrPreview(i++, "deepNesting", body, where === "top" ? undefined : "d1e1-0000-4000-8000-000000000001");
  }

  const huge: [string, (n: number) => unknown][] = [
    ["containers", (n) => ({ ...POD, spec: { ...(POD.spec as Json), containers: Array.from({ length: n }, (_, k) => ({ name: `c${k}`, image: "x" })) } })],
    ["numbers", (n) => ({ ...POD, spec: { ...(POD.spec as Json), extra: Array.from({ length: n }, (_, k) => k) } })],
    ["empty objects", (n) => ({ ...POD, spec: { ...(POD.spec as Json), containers: Array.from({ length: n }, () => ({})) } })],
    ["nulls", (n) => ({ ...POD, spec: { ...(POD.spec as Json), volumes: Array.from({ length: n }, () => null) } })],
  ];
  for (const [pick, n] of sample(fc.tuple(fc.nat(huge.length - 1), fc.integer({ min: 1000, max: 150_000 })), c.hugeArrays, 5)) {
    let text = JSON.stringify(review(huge[pick][1](n)));
    if (text.length > BODY_LIMIT) text = JSON.stringify(review(huge[pick][1](Math.floor((n * BODY_LIMIT) / text.length / 1.1))));
    yield mutateOrPreview(i++, "hugeArrays", text, "d1e1-0000-4000-8000-000000000001");
  }

  // Every field of a Pod given the wrong type or null (all paths, then random picks up to the count).
  const paths = fieldPaths(POD);
  const typed = sample(fc.tuple(fc.nat(paths.length - 1), fc.nat(wrongValues.length - 1)), Math.max(0, c.wrongTypes - paths.length), 6);
  const choices: [number, number][] = [...paths.map((_, k) => [k, k % wrongValues.length] as [number, number]), ...typed].slice(0, c.wrongTypes);
  for (const [p, v] of choices) {
    const object = setAt(POD, paths[p], wrongValues[v]);
    const uid = `d1e1-0000-4000-8000-${String(i).padStart(12, "0")}`;
    yield i % 2 === 0 ? mutateOrPreview(i++, "wrongTypes", JSON.stringify(review(object, uid)), uid) : mutateOrPreview(i++, "wrongTypes", JSON.stringify({ object, namespace: "team-a" }));
  }

  // __proto__, constructor and prototype keys at random places, written into the JSON text itself.
  const protoKey = fc.constantFrom("__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf");
  const protoValue = fc.oneof(fc.constant({ polluted: true, privileged: true }), fc.constant({ prototype: { polluted: true } }), fc.constant(null), fc.constant("x"), fc.constant([]));
  const reviewPaths = fieldPaths(review(POD)).filter((p) => p.length < 8);
  for (const [p, key, value] of sample(fc.tuple(fc.nat(reviewPaths.length - 1), protoKey, protoValue), c.protoKeys, 7)) {
    const path = reviewPaths[p];
    const target = JSON.stringify(setAt(review(POD), path, "@@HERE@@"));
    const body = target.replace('"@@HERE@@"', `{${JSON.stringify(key)}:${JSON.stringify(value)},"name":"n"}`);
    yield mutateOrPreview(i++, "protoKeys", body);
  }

  // Charsets and bytes that are not UTF-8.
  const charset = fc.constantFrom("latin1", "iso-8859-1", "utf-16le", "utf-16", "utf-16be", "us-ascii", "shift_jis", "x-unknown", "utf8", '"utf-8"', "");
  for (const [cs, mode] of sample(fc.tuple(charset, fc.nat(3)), c.charsets, 8)) {
    const text = JSON.stringify(review({ ...POD, metadata: { ...(POD.metadata as Json), name: "caf\u00e9-\u{1F600}" } }));
    const body =
      mode === 0
        ? Buffer.from(text, cs.startsWith("utf-16") ? "utf16le" : "latin1")
        : mode === 1
          ? Buffer.concat([Buffer.from(text.slice(0, 200)), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(text.slice(200))])
          : mode === 2
            ? Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le")])
            : Buffer.from(text);
    yield mutateOrPreview(i++, "charsets", body, undefined, { "content-type": `application/json${cs ? `; charset=${cs}` : ""}` });
  }

  // Compression bombs: tens of MB of zeros in a few KB, gzip and deflate, and encodings we do not take.
  // (smaller for the fast subset in npm test: still over the 3 MiB limit once inflated)
  const zeros = Buffer.alloc((scale < 0.5 ? 8 : 48) * 1024 * 1024, 0x20);
  const padded = Buffer.concat([Buffer.from(JSON.stringify(review(POD)).slice(0, -1)), Buffer.alloc((scale < 0.5 ? 4 : 8) * 1024 * 1024, 0x20), Buffer.from("}")]);
  const bombs: [string, Buffer][] = [
    ["gzip", gzipSync(zeros, { level: 9 })],
    ["deflate", deflateSync(zeros, { level: 9 })],
    ["gzip", gzipSync(padded, { level: 9 })],
    ["deflate", deflateSync(padded, { level: 9 })],
    ["gzip", gzipSync(Buffer.from(JSON.stringify(review(POD))))],
    ["deflate", deflateSync(Buffer.from(JSON.stringify(review(POD))))],
    ["gzip", Buffer.from("not gzip at all")],
    ["br", Buffer.from("x")],
    ["gzip, gzip", gzipSync(gzipSync(zeros))],
    ["identity", Buffer.from(JSON.stringify(review(POD)))],
  ];
  for (const [encoding, body] of bombs) {
    for (let k = 0; k < 2; k++) yield mutateOrPreview(i++, "bombs", body, undefined, { "content-encoding": encoding });
  }

  // Around the 3 MiB limit: padded with whitespace inside a valid review, and plain filler.
  const base = JSON.stringify(review(POD)).slice(0, -1);
  for (const size of [BODY_LIMIT - 1, BODY_LIMIT, BODY_LIMIT + 1, BODY_LIMIT + 4096, BODY_LIMIT * 2]) {
    const body = Buffer.concat([Buffer.from(base), Buffer.alloc(Math.max(0, size - base.length - 1), 0x20), Buffer.from("}")]);
    for (let k = 0; k < 2; k++) yield mutateOrPreview(i++, "sizes", body, size <= BODY_LIMIT && i % 2 === 0 ? "d1e1-0000-4000-8000-000000000001" : undefined);
  }
  yield { path: "/mutate", kind: "sizes", body: Buffer.alloc(BODY_LIMIT + 10, 0x41), headers: { "transfer-encoding": "chunked" } };
  yield { path: "/preview", kind: "sizes", body: Buffer.alloc(BODY_LIMIT + 10, 0x41), headers: { "transfer-encoding": "chunked" } };
  // Both Content-Length and Transfer-Encoding (request smuggling): Node's parser refuses it before any route.
  const small = JSON.stringify(review(POD));
  yield { path: "/mutate", kind: "sizes", body: small, headers: { "transfer-encoding": "chunked", "content-length": String(small.length) } };

  // The AdmissionReview's own shape: missing uid, wrong kinds and versions, other resources and operations.
  const shape = fc.record(
    {
      apiVersion: fc.constantFrom("admission.k8s.io/v1", "admission.k8s.io/v1beta1", "v1", "", null, 3),
      kind: fc.constantFrom("AdmissionReview", "AdmissionResponse", "Pod", null, 1),
      uid: fc.oneof(fc.uuid(), fc.constant(""), fc.constant(null), fc.integer(), fc.constant(undefined)),
      operation: fc.constantFrom("CREATE", "UPDATE", "DELETE", "CONNECT", "create", "", null),
      reqKind: fc.constantFrom({ group: "", version: "v1", kind: "Pod" }, { group: "apps", version: "v1", kind: "Deployment" }, { group: "", version: "v2", kind: "Pod" }, null, "Pod"),
      resource: fc.constantFrom({ group: "", version: "v1", resource: "pods" }, { group: "", version: "v1", resource: "services" }, null, "pods"),
      subResource: fc.constantFrom(undefined, "", "ephemeralcontainers", "status", "exec", 7),
      object: fc.constantFrom<unknown>(POD, null, undefined, "pod", [POD], {}, { kind: "Pod" }),
      oldObject: fc.constantFrom<unknown>(undefined, null, POD, "old", {}),
      namespace: fc.constantFrom<unknown>("team-a", "", undefined, null, 5, "a".repeat(300)),
    },
    { requiredKeys: [] },
  );
  for (const s of sample(shape, c.reviewShape, 9)) {
    const request: Json = { ...(REVIEW.request as Json) };
    const put = (key: string, value: unknown) => (value === undefined ? delete request[key] : (request[key] = value));
    if ("uid" in s) put("uid", s.uid);
    if ("operation" in s) put("operation", s.operation);
    if ("reqKind" in s) put("kind", s.reqKind);
    if ("resource" in s) put("resource", s.resource);
    if ("subResource" in s) put("subResource", s.subResource);
    if ("object" in s) put("object", s.object);
    if ("oldObject" in s) put("oldObject", s.oldObject);
    if ("namespace" in s) put("namespace", s.namespace);
    const body: Json = { apiVersion: "apiVersion" in s ? s.apiVersion : REVIEW.apiVersion, kind: "kind" in s ? s.kind : REVIEW.kind, request };
    if (i % 17 === 0) delete body.request;
    const uid = typeof request.uid === "string" && request.uid ? request.uid : undefined;
    yield mutateOrPreview(i++, "reviewShape", JSON.stringify(body), uid);
  }

  // The real manifests, each made into a Pod and then mutated: a random field replaced, removed or duplicated.
  const pairs = manifests.flatMap((m) => {
    const p = podOf(m);
    return p ? [[m, p] as const] : [];
  });
  const pods = pairs.map(([, p]) => p);
  if (pods.length > 0) {
    const mutation = fc.tuple(fc.nat(pods.length - 1), fc.nat(10_000), fc.oneof(fc.constant(undefined), fc.constantFrom(...wrongValues), fc.jsonValue({ maxDepth: 3 })), fc.boolean());
    for (const [k, at, value, asWorkload] of sample(mutation, c.realManifests, 10)) {
      const object = pods[k];
      const p = fieldPaths(object);
      const mutated = p.length === 0 ? object : setAt(object, p[at % p.length], value);
      const uid = `d1e1-0000-4000-8000-${String(i).padStart(12, "0")}`;
      if (i % 2 === 0) yield mutateOrPreview(i++, "realManifests", JSON.stringify(review(mutated, uid)), uid);
      else yield mutateOrPreview(i++, "realManifests", JSON.stringify({ object: asWorkload ? pairs[k][0] : mutated, namespace: "team-a" }));
    }
  }
}
