// AdmissionReview parsing and AdmissionResponse building, without a server: the limits on warnings,
// audit annotations and denial messages, and every way a body can fail to be an AdmissionReview.
import assert from "node:assert/strict";
import { addedEphemeralContainers, changedEphemeralContainers, isBookkeepingUpdate, routeOf, routeRequest, specChangedBesidesEphemeral } from "../src/admission/admit.js";
import { choosePolicies, POLICY_LABEL } from "../src/policy/choose.js";
import { admissionResponse, denialMessage, errorResponse, pathSummary, valueAt, warningLines } from "../src/admission/response.js";
import { parseAdmissionReview, ReviewError } from "../src/admission/review.js";
import type { EvaluationResult, Policy } from "../src/engine/types.js";
import { parseDuration } from "../src/server/duration.js";
import { parsePolicies } from "../src/policy/load.js";
import { admissionReview, pod } from "./support/server-harness.js";

function result(partial: Partial<EvaluationResult>): EvaluationResult {
  return { allowed: true, object: {}, patch: [], reasons: [], violations: [], warnings: [], ...partial };
}

describe("admission: parsing an AdmissionReview", () => {
  const good = () => admissionReview({ object: pod("p", "ns"), namespace: "ns" });

  it("reads the fields the webhook uses", () => {
    const review = good();
    const request = parseAdmissionReview(review);
    assert.equal(request.uid, review.request.uid);
    assert.equal(request.operation, "CREATE");
    assert.deepEqual(request.resource, { group: "", version: "v1", resource: "pods" });
    assert.equal(request.subResource, "");
    assert.equal(request.namespace, "ns");
    assert.equal(request.dryRun, false);
  });

  const bad: [string, (r: ReturnType<typeof good>) => unknown, RegExp][] = [
    ["a non-object body", () => [1, 2], /must be a JSON object/],
    ["a wrong apiVersion", (r) => ({ ...r, apiVersion: "admission.k8s.io/v1beta1" }), /apiVersion must be "admission.k8s.io\/v1" \(got "admission.k8s.io\/v1beta1"\)/],
    ["no apiVersion", (r) => ({ ...r, apiVersion: undefined }), /got none/],
    ["a wrong kind", (r) => ({ ...r, kind: "Pod" }), /kind must be "AdmissionReview" \(got "Pod"\)/],
    ["no request", (r) => ({ ...r, request: undefined }), /has no request/],
    ["a request that is not an object", (r) => ({ ...r, request: "x" }), /request must be an object/],
    ["no uid", (r) => ({ ...r, request: { ...r.request, uid: undefined } }), /request.uid is missing/],
    ["an empty uid", (r) => ({ ...r, request: { ...r.request, uid: "" } }), /request.uid is missing/],
    ["a uid that is not a string", (r) => ({ ...r, request: { ...r.request, uid: 7 } }), /request.uid must be a string/],
    ["an unknown operation", (r) => ({ ...r, request: { ...r.request, operation: "PATCH" } }), /request.operation must be one of/],
    ["no kind in the request", (r) => ({ ...r, request: { ...r.request, kind: undefined } }), /request.kind must be an object/],
    ["a non-boolean dryRun", (r) => ({ ...r, request: { ...r.request, dryRun: "yes" } }), /dryRun must be a boolean/],
    ["a resource without a name", (r) => ({ ...r, request: { ...r.request, resource: { group: "", version: "v1" } } }), /request.resource.resource is missing/],
  ];
  for (const [what, mutate, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseAdmissionReview(mutate(good())), (e: unknown) => e instanceof ReviewError && message.test(e.message));
    });
  }

  it("fills in resource pods for a hand-written Pod review without one", () => {
    const review = good();
    const request = parseAdmissionReview({ ...review, request: { ...review.request, resource: undefined } });
    assert.equal(request.resource.resource, "pods");
  });
});

describe("admission: routing", () => {
  const base = admissionReview({ object: pod("p", "ns") });
  const req = (over: object) => parseAdmissionReview({ ...base, request: { ...base.request, ...over } });
  const old = pod("p", "ns");

  it("routes Pod CREATE, Pod UPDATE and ephemeral-container UPDATE; ignores the rest", () => {
    assert.equal(routeOf(req({})), "pod-create");
    assert.equal(routeOf(req({ operation: "UPDATE" })), "pod-update");
    assert.equal(routeOf(req({ operation: "UPDATE", subResource: "ephemeralcontainers", oldObject: old })), "ephemeral-containers");
    assert.equal(routeOf(req({ operation: "UPDATE", subResource: "status" })), "ignored");
    assert.equal(routeOf(req({ operation: "UPDATE", subResource: "resize" })), "ignored");
    assert.equal(routeOf(req({ operation: "DELETE", object: null })), "ignored");
    assert.equal(routeOf(req({ resource: { group: "apps", version: "v1", resource: "deployments" }, kind: { group: "apps", version: "v1", kind: "Deployment" }, object: { kind: "Deployment" } })), "ignored");
    const binding = { kind: { group: "", version: "v1", kind: "Binding" }, subResource: "binding", object: { kind: "Binding" } };
    assert.equal(routeOf(req(binding)), "ignored");
  });

  // Issue 14, defect 3: each of these let a privileged Pod through unjudged (route "ignored").
  const refused: [string, object, string][] = [
    ["object.kind pod", { object: { ...pod("p", "ns"), kind: "pod" } }, 'request.object.kind is "pod", but request.kind is Pod'],
    ["no object.kind", { object: { ...pod("p", "ns"), kind: undefined } }, "request.object.kind is missing, but request.kind is Pod"],
    ["an empty namespace", { namespace: "" }, "request.namespace is empty, but Pods are namespaced"],
    ["resource Pods", { resource: { group: "", version: "v1", resource: "Pods" } }, 'request.resource is {group: "", version: "v1", resource: "Pods"}'],
    ["group core", { resource: { group: "core", version: "v1", resource: "pods" } }, 'request.resource is {group: "core", version: "v1", resource: "pods"}'],
    ["request.kind Deployment for pods", { kind: { group: "apps", version: "v1", kind: "Deployment" } }, 'request.kind is {group: "apps", version: "v1", kind: "Deployment"} for the pods resource'],
    ["CREATE of pods/status", { subResource: "status" }, "CREATE of pods/status: the API server sends only UPDATE for this subresource"],
    ["CREATE of pods/ephemeralcontainers", { subResource: "ephemeralcontainers" }, "CREATE of pods/ephemeralcontainers"],
    ["a Pod on pods/binding", { subResource: "binding" }, 'subresource "binding" of pods carries no Pod'],
    ["pods/ephemeralcontainers without oldObject", { operation: "UPDATE", subResource: "ephemeralcontainers" }, "without request.oldObject"],
  ];
  for (const [what, over, message] of refused) {
    it(`refuses ${what} as inconsistent`, () => {
      const decision = routeRequest(req(over));
      assert.equal(decision.route, "refused");
      assert.ok(decision.route === "refused" && decision.message.startsWith("inconsistent admission request: "), JSON.stringify(decision));
      assert.ok(decision.route === "refused" && decision.message.includes(message), `${JSON.stringify(decision)} lacks ${message}`);
    });
  }

  it("judges every ephemeral container that is not unchanged in oldObject under its name", () => {
    const withEc = (...containers: object[]) => ({ spec: { ephemeralContainers: containers } });
    const a = { name: "a", image: "busybox" };
    assert.deepEqual(changedEphemeralContainers(withEc(a, { name: "b" }, { name: "c" }), withEc(a)), [1, 2]);
    assert.deepEqual(changedEphemeralContainers(withEc(a), {}), [0]);
    assert.deepEqual(changedEphemeralContainers(withEc(a), withEc(a)), []);
    // A reused name with another spec, and a container without a name, are judged.
    assert.deepEqual(changedEphemeralContainers(withEc({ ...a, securityContext: { privileged: true } }), withEc(a)), [0]);
    assert.deepEqual(changedEphemeralContainers(withEc(a, { image: "busybox" }), withEc(a)), [1]);
    assert.deepEqual(addedEphemeralContainers(withEc(a, { name: "b" }), withEc(a)), ["b"]);
  });

  it("finds a spec change besides the ephemeral containers", () => {
    const p = pod("p", "ns");
    const more = { ...p, spec: { ...p.spec, containers: [...p.spec.containers, { name: "x", image: "x" }], ephemeralContainers: [{ name: "d" }] } };
    assert.equal(specChangedBesidesEphemeral(more, p), "spec.containers");
    assert.equal(specChangedBesidesEphemeral({ ...p, spec: { ...p.spec, ephemeralContainers: [{ name: "d" }] } }, p), undefined);
  });

  it("recognises updates that only touch finalizers, ownerReferences or resourceVersion", () => {
    const base = pod("p", "ns");
    const gc = { ...base, metadata: { ...base.metadata, finalizers: ["x"], ownerReferences: [{ uid: "1" }], resourceVersion: "2" } };
    assert.equal(isBookkeepingUpdate(gc, base), true);
    const relabelled = { ...base, metadata: { ...base.metadata, labels: { a: "b" } } };
    assert.equal(isBookkeepingUpdate(relabelled, base), false);
  });
});

describe("admission: choosing policies for a namespace", () => {
  const policies: Policy[] = parsePolicies(
    [
      "apiVersion: secure-defaults.io/v1alpha1\nkind: SecureDefaultsPolicy\nmetadata: {name: bound}\nspec: {namespaces: [a], runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}",
      "apiVersion: secure-defaults.io/v1alpha1\nkind: SecureDefaultsPolicy\nmetadata: {name: selected}\nspec: {namespaceSelector: {matchLabels: {t: x}}, runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}",
      "apiVersion: secure-defaults.io/v1alpha1\nkind: SecureDefaultsPolicy\nmetadata: {name: fallback}\nspec: {namespaces: [nowhere], runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}",
    ].join("\n---\n"),
    "inline",
  ).policies;
  const names = (c: ReturnType<typeof choosePolicies>) => (c.ok ? c.candidates.map((p) => p.name) : c.message);

  it("takes the policy the namespace label names, over bindings", () => {
    assert.deepEqual(names(choosePolicies(policies, "a", { [POLICY_LABEL]: "fallback" })), ["fallback"]);
  });
  it("denies when the label names a policy that is not loaded", () => {
    const choice = choosePolicies(policies, "a", { [POLICY_LABEL]: "nope" });
    assert.equal(choice.ok, false);
    assert.equal(names(choice), `namespace "a" is labelled ${POLICY_LABEL}=nope, but no policy named "nope" is loaded`);
  });
  it("uses bindings by name and by selector", () => {
    assert.deepEqual(names(choosePolicies(policies, "a", undefined)), ["bound"]);
    assert.deepEqual(names(choosePolicies(policies, "b", { t: "x" })), ["selected"]);
  });
  it("falls back to the default policy, else to no candidates", () => {
    assert.deepEqual(names(choosePolicies(policies, "b", {}, "fallback")), ["fallback"]);
    const none = choosePolicies(policies, "b", {});
    assert.ok(none.ok && none.via === "none" && none.candidates.length === 0);
  });
});

describe("admission: building the response", () => {
  const reasons = Array.from({ length: 9 }, (_, i) => ({ path: `spec.containers[${i}].securityContext.runAsNonRoot`, field: "runAsUser.rule", message: "set" }));
  const object = { spec: { containers: Array.from({ length: 9 }, () => ({ securityContext: { runAsNonRoot: true } })) } };

  it("caps warnings at 5 lines of at most 120 characters, the last saying how many more", () => {
    const lines = warningLines(result({ policy: "p", reasons, object, patch: [{ op: "add", path: "/x", value: 1 }] }), true);
    assert.equal(lines.length, 5);
    assert.equal(lines[0], 'secure-defaults: policy "p" set 9 defaults');
    assert.equal(lines[1], "spec.containers[0].securityContext.runAsNonRoot: true");
    assert.equal(lines[4], "… and 6 more");
    const long = warningLines(result({ warnings: ["x".repeat(500)] }), false);
    assert.equal(long[0].length, 120);
    assert.ok(long[0].endsWith("…"));
  });

  it("keeps audit annotation values short", () => {
    const many = Array.from({ length: 40 }, (_, i) => `spec.containers[${i}].securityContext.allowPrivilegeEscalation`);
    const summary = pathSummary(many);
    assert.equal(
      summary,
      "40: spec.containers[0].securityContext.allowPrivilegeEscalation, spec.containers[1].securityContext.allowPrivilegeEscalation, spec.containers[2].securityContext.allowPrivilegeEscalation (+37 more)",
    );
    assert.equal(pathSummary(["x".repeat(300), "b"]), `2: (+2 more)`);
    assert.equal(pathSummary(["a", "b"]), "2: a, b");
  });

  it("sends the patch base64-encoded, with the policy and the changes as audit annotations", () => {
    const patch = [{ op: "add" as const, path: "/spec/x", value: 1 }];
    const response = admissionResponse(result({ policy: "p", patch, reasons: [reasons[0]], object }), { uid: "u", patch: true, what: "pod" });
    assert.equal(response.patchType, "JSONPatch");
    assert.deepEqual(JSON.parse(Buffer.from(response.patch!, "base64").toString()), patch);
    assert.deepEqual(response.auditAnnotations, { policy: "p", changes: "1: spec.containers[0].securityContext.runAsNonRoot" });
    const noPatch = admissionResponse(result({ policy: "p", patch, reasons: [reasons[0]] }), { uid: "u", patch: false, what: "pod" });
    assert.equal(noPatch.patch, undefined);
    assert.deepEqual(noPatch.auditAnnotations, { policy: "p" });
  });

  it("denies with 403 and every violation's field path, capped at 20", () => {
    const violations = Array.from({ length: 25 }, (_, i) => ({ policy: "p", path: `spec.containers[${i}].securityContext.privileged`, field: "privileged", message: "no" }));
    const message = denialMessage('pod "x"', result({ allowed: false, violations }));
    assert.ok(message.startsWith('pod "x" is not allowed by secure-defaults (25 violations): spec.containers[0].securityContext.privileged: policy "p" (privileged): no; '));
    assert.ok(message.endsWith("; and 5 more"));
    const response = admissionResponse(result({ allowed: false, violations }), { uid: "u", patch: true, what: 'pod "x"' });
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 403);
    assert.equal(response.status?.reason, "Forbidden");
    assert.match(response.auditAnnotations!.violations, /^25: /);
  });

  it("answers an internal error per --on-error", () => {
    const deny = errorResponse("u", "deny", "boom");
    assert.equal(deny.allowed, false);
    assert.equal(deny.status?.code, 500);
    const allow = errorResponse("u", "allow", "boom");
    assert.equal(allow.allowed, true);
    assert.equal(allow.patch, undefined);
    assert.match(allow.warnings![0], /could not evaluate/);
  });

  it("reads values at v1 field paths", () => {
    assert.equal(valueAt({ spec: { containers: [{ a: { b: 1 } }] } }, "spec.containers[0].a.b"), 1);
    assert.equal(valueAt({ spec: {} }, "spec.containers[0].a"), undefined);
    assert.deepEqual(valueAt({ spec: { containers: [{ n: "a" }, { n: "b" }] } }, "spec.containers[1]"), { n: "b" });
    assert.equal(valueAt({ a: [[1, 2], [3, 4]] }, "a[1][0]"), 3);
    assert.equal(valueAt({ a: { 0: "x" } }, "a[0]"), undefined, "an index into an object");
    assert.equal(valueAt({ a: ["x"] }, "a.0"), undefined, "a key into an array");
    assert.equal(valueAt({ a: ["x"] }, "a[x]"), undefined);
    assert.equal(valueAt({ a: ["x"] }, "a[0"), undefined);
    assert.equal(valueAt({ spec: { runtimeClassName: "gvisor" } }, "spec.runtimeClassName"), "gvisor");
  });

  it("orders warnings header, engine warnings, defaults; shows exactly 5 lines whole and caps a sixth", () => {
    const patch = [{ op: "add" as const, path: "/x", value: 1 }];
    const three = reasons.slice(0, 3);
    assert.deepEqual(warningLines(result({ policy: "p", reasons: three, object, patch, warnings: ["w1"] }), true), [
      'secure-defaults: policy "p" set 3 defaults',
      "w1",
      "spec.containers[0].securityContext.runAsNonRoot: true",
      "spec.containers[1].securityContext.runAsNonRoot: true",
      "spec.containers[2].securityContext.runAsNonRoot: true",
    ]);
    assert.deepEqual(warningLines(result({ policy: "p", reasons: three, object, patch, warnings: ["w1", "w2"] }), true), [
      'secure-defaults: policy "p" set 3 defaults',
      "w1",
      "w2",
      "spec.containers[0].securityContext.runAsNonRoot: true",
      "… and 2 more",
    ]);
    assert.deepEqual(warningLines(result({ policy: "p", reasons: three, object, patch, warnings: ["w1", "w2"] }), false), ["w1", "w2"]);
    const missing = [{ path: "spec.nowhere", field: "f", message: "set nowhere to x" }];
    assert.deepEqual(warningLines(result({ policy: "p", reasons: missing, object, patch }), true), [
      'secure-defaults: policy "p" set 1 default',
      "spec.nowhere: set nowhere to x",
    ]);
  });
});

describe("server: ?timeout durations", () => {
  it("parses Go durations", () => {
    assert.equal(parseDuration("10s"), 10_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration(undefined), undefined);
    assert.equal(parseDuration("10"), undefined);
    assert.equal(parseDuration("ten seconds"), undefined);
  });
});
