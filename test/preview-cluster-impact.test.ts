// The pure parts of `preview --cluster`: owning workloads from ownerReferences, the identity assumed
// for each Pod's CREATE, the per-namespace summary, and when progress lines are printed.
import assert from "node:assert/strict";
import { Progress } from "../src/cli/progress.js";
import { assumedIdentity, identityLabel } from "../src/preview/assumed-identity.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { clusterImpact, EXEMPT_LABEL, NOT_INTERCEPTED_NAMESPACES, type ImpactEntry } from "../src/preview/cluster-impact.js";
import { parsePolicies } from "../src/policy/load.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { outcomeOf, podFieldPath, summariseNamespace } from "../src/preview/impact-summary.js";
import { podOwnership, templateCreator, WorkloadIndex } from "../src/preview/workload-owner.js";

const owned = (name: string, owner: { kind: string; name: string }, labels: Record<string, string> = {}, extra: object[] = []) => ({
  kind: "Pod",
  metadata: { name, namespace: "ns", labels, ownerReferences: [...extra, { apiVersion: "v1", kind: owner.kind, name: owner.name, uid: "u", controller: true }] },
  spec: { containers: [] },
});

describe("preview --cluster: owning workloads", () => {
  const index = new WorkloadIndex([
    { kind: "Deployment", metadata: { name: "web", namespace: "ns" } },
    { kind: "Job", metadata: { name: "report-1", namespace: "ns", ownerReferences: [{ kind: "CronJob", name: "report", controller: true }] } },
    { kind: "Job", metadata: { name: "migrate", namespace: "ns" } },
  ]);

  it("a ReplicaSet's Pods belong to the Deployment named by the ReplicaSet's name minus the pod-template-hash", () => {
    const pod = owned("web-5d8f7c9b4-x", { kind: "ReplicaSet", name: "web-5d8f7c9b4" }, { "pod-template-hash": "5d8f7c9b4" });
    assert.deepEqual(podOwnership(pod, index), { workload: { kind: "Deployment", name: "web" }, creator: { kind: "ReplicaSet", name: "web-5d8f7c9b4" } });
  });

  it("a ReplicaSet whose Deployment was not read, or without the hash label, is its own workload", () => {
    const other = owned("api-6f-x", { kind: "ReplicaSet", name: "api-6f" }, { "pod-template-hash": "6f" });
    assert.deepEqual(podOwnership(other, index).workload, { kind: "ReplicaSet", name: "api-6f" });
    const unlabelled = owned("web-5d8f7c9b4-x", { kind: "ReplicaSet", name: "web-5d8f7c9b4" });
    assert.deepEqual(podOwnership(unlabelled, index).workload, { kind: "ReplicaSet", name: "web-5d8f7c9b4" });
    const otherNamespace = { ...owned("web-5d-x", { kind: "ReplicaSet", name: "web-5d" }, { "pod-template-hash": "5d" }) };
    otherNamespace.metadata.namespace = "elsewhere";
    assert.deepEqual(podOwnership(otherNamespace, index).workload, { kind: "ReplicaSet", name: "web-5d" });
  });

  it("a Job's Pods belong to the CronJob that made the Job, or to the Job", () => {
    assert.deepEqual(podOwnership(owned("report-1-x", { kind: "Job", name: "report-1" }), index), {
      workload: { kind: "CronJob", name: "report" },
      creator: { kind: "Job", name: "report-1" },
    });
    assert.deepEqual(podOwnership(owned("migrate-x", { kind: "Job", name: "migrate" }), index).workload, { kind: "Job", name: "migrate" });
  });

  it("the controller reference wins over other owners; a Pod without owners is bare", () => {
    const pod = owned("db-0", { kind: "StatefulSet", name: "db" }, {}, [{ kind: "ConfigMap", name: "x", controller: false }]);
    assert.deepEqual(podOwnership(pod, index), { workload: { kind: "StatefulSet", name: "db" }, creator: { kind: "StatefulSet", name: "db" } });
    assert.deepEqual(podOwnership({ kind: "Pod", metadata: { name: "debug", namespace: "ns" } }, index), { workload: null, creator: null });
  });

  it("a workload's template is created by its ReplicaSet (Deployment), its Job (CronJob), or itself", () => {
    assert.deepEqual(templateCreator({ kind: "Deployment", name: "web" }).kind, "ReplicaSet");
    assert.deepEqual(templateCreator({ kind: "CronJob", name: "report" }).kind, "Job");
    assert.deepEqual(templateCreator({ kind: "DaemonSet", name: "agent" }), { kind: "DaemonSet", name: "agent" });
  });
});

describe("preview --cluster: the identity assumed for a Pod's CREATE", () => {
  const controllerGroups = ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"];
  const cases: [string, { kind: string; name: string }, string][] = [
    ["ReplicaSet", { kind: "ReplicaSet", name: "web-1" }, "system:serviceaccount:kube-system:replicaset-controller"],
    ["ReplicationController", { kind: "ReplicationController", name: "rc" }, "system:serviceaccount:kube-system:replication-controller"],
    ["StatefulSet", { kind: "StatefulSet", name: "db" }, "system:serviceaccount:kube-system:statefulset-controller"],
    ["DaemonSet", { kind: "DaemonSet", name: "agent" }, "system:serviceaccount:kube-system:daemon-set-controller"],
    ["Job", { kind: "Job", name: "migrate" }, "system:serviceaccount:kube-system:job-controller"],
  ];
  for (const [label, creator, username] of cases) {
    it(`a ${label}'s Pod: ${username}`, () => {
      assert.deepEqual(assumedIdentity({ spec: { serviceAccountName: "app" } }, "shop", creator), {
        userInfo: { username, groups: controllerGroups },
        serviceAccount: { namespace: "shop", name: "app" },
        assumed: `created by the ${label} controller`,
      });
    });
  }

  it("a static Pod's mirror: its node", () => {
    const identity = assumedIdentity({ spec: {} }, "kube-system", { kind: "Node", name: "node-1" });
    assert.deepEqual(identity.userInfo, { username: "system:node:node-1", groups: ["system:nodes", "system:authenticated"] });
    assert.equal(identityLabel(identity), "system:node:node-1");
  });

  it("a bare Pod, or a Pod made by an unknown controller: an authenticated user with no other group; ServiceAccount default when unset", () => {
    const bare = assumedIdentity({ spec: {} }, "shop", null);
    assert.deepEqual(bare, {
      userInfo: { username: "", groups: ["system:authenticated"] },
      serviceAccount: { namespace: "shop", name: "default" },
      assumed: "a bare Pod: the user who created it is not recorded, so an authenticated user with no other group",
    });
    assert.equal(identityLabel(bare), "unknown user (system:authenticated)");
    const operator = assumedIdentity({ spec: { serviceAccount: "legacy" } }, "shop", { kind: "Rollout", name: "web" });
    assert.equal(operator.assumed, "created by the controller of Rollout web, whose identity is not known: an authenticated user with no other group");
    assert.deepEqual(operator.serviceAccount, { namespace: "shop", name: "legacy" }, "the deprecated serviceAccount field when serviceAccountName is unset");
  });
});

describe("preview --cluster: the per-namespace summary", () => {
  const identity = assumedIdentity({ spec: {} }, "ns", { kind: "ReplicaSet", name: "web-1" });
  const entry = (kind: string, name: string, workload: string | null, result: Partial<ImpactEntry>): ImpactEntry => ({
    kind,
    name,
    namespace: "ns",
    allowed: true,
    policy: "p",
    patch: [],
    object: {},
    reasons: [],
    violations: [],
    warnings: [],
    apiDefaults: [],
    workload: workload ? { kind: workload.split("/")[0], name: workload.split("/")[1] } : null,
    identity,
    ...result,
  });
  const op = { op: "add" as const, path: "/x", value: 1 };

  it("outcome: denied, defaulted (a patch), unchanged", () => {
    assert.equal(outcomeOf({ allowed: false, patch: [] }), "denied");
    assert.equal(outcomeOf({ allowed: true, patch: [op] }), "defaulted");
    assert.equal(outcomeOf({ allowed: true, patch: [] }), "unchanged");
  });

  it("field paths read as a Pod's, list indexes as [*]", () => {
    assert.equal(podFieldPath("spec.template.spec.containers[3].securityContext", "Deployment"), "spec.containers[*].securityContext");
    assert.equal(podFieldPath("spec.jobTemplate.spec.template.spec.initContainers[0].image", "CronJob"), "spec.initContainers[*].image");
    assert.equal(podFieldPath("spec.volumes[12].hostPath", "Pod"), "spec.volumes[*].hostPath");
  });

  it("rows per workload in order of appearance, counts, each key counted once per object, ties by name", () => {
    const reason = (path: string) => ({ path, field: "f", message: "m" });
    const summary = summariseNamespace(
      {
        name: "ns",
        optedIn: true,
        intercepted: true,
        exempt: [{ kind: "Pod", name: "break-glass" }],
        entries: [
          entry("Deployment", "web", "Deployment/web", { patch: [op], reasons: [reason("spec.template.spec.containers[0].a"), reason("spec.template.spec.containers[1].a")] }),
          entry("Pod", "web-1-a", "Deployment/web", { patch: [op], reasons: [reason("spec.containers[0].a"), reason("spec.b")] }),
          entry("Pod", "web-1-b", "Deployment/web", { allowed: false, policy: null, violations: [{ path: "spec.containers[0].c", message: "no" }] }),
          entry("Pod", "debug", null, { allowed: false, policy: null, violations: [{ path: "spec.hostPID", message: "no" }, { path: "spec.containers[1].c", message: "no" }] }),
          entry("Pod", "quiet", null, {}),
        ],
      },
      2,
    );
    assert.deepEqual(summary, {
      name: "ns",
      optedIn: true,
      intercepted: true,
      exempt: ["Pod/break-glass"],
      pods: { total: 4, unchanged: 1, defaulted: 1, denied: 2 },
      templates: { total: 1, unchanged: 0, defaulted: 1, denied: 0 },
      rows: [
        {
          workload: "Deployment/web",
          pods: { total: 2, unchanged: 0, defaulted: 1, denied: 1 },
          template: "defaulted",
          serviceAccounts: ["default"],
          requestedAs: ["system:serviceaccount:kube-system:replicaset-controller"],
        },
        { workload: "Pod/debug", pods: { total: 1, unchanged: 0, defaulted: 0, denied: 1 }, template: null, serviceAccounts: ["default"], requestedAs: ["system:serviceaccount:kube-system:replicaset-controller"] },
        { workload: "Pod/quiet", pods: { total: 1, unchanged: 1, defaulted: 0, denied: 0 }, template: null, serviceAccounts: ["default"], requestedAs: ["system:serviceaccount:kube-system:replicaset-controller"] },
      ],
      defaultedFields: [
        { what: "spec.containers[*].a", count: 2 },
        { what: "spec.b", count: 1 },
      ],
      denialReasons: [
        { what: "spec.containers[*].c: no", count: 2 },
        { what: "spec.hostPID: no", count: 1 },
      ],
    });
  });
});

describe("preview --cluster: progress lines", () => {
  const sink = (isTTY: boolean) => {
    const lines: string[] = [];
    return { lines, stream: { isTTY, write: (text: string) => lines.push(text) } };
  };

  it("on a terminal: one line per `every` objects, none in between", () => {
    const { lines, stream } = sink(true);
    const progress = new Progress(stream, { every: 100, now: () => 0 });
    for (let n = 1; n <= 250; n++) progress.report("evaluated", n, () => `evaluated ${n}`);
    assert.deepEqual(lines, ["evaluated 100\n", "evaluated 200\n"]);
  });

  it("not on a terminal: nothing until the run has taken afterMs, then the same", () => {
    const { lines, stream } = sink(false);
    let clock = 0;
    const progress = new Progress(stream, { every: 100, afterMs: 2000, now: () => clock });
    progress.report("pods", 100, () => "listed 100 pods");
    clock = 2500;
    progress.report("pods", 200, () => "listed 200 pods");
    progress.report("pods", 250, () => "listed 250 pods");
    progress.report("deployments", 100, () => "listed 100 deployments");
    assert.deepEqual(lines, ["listed 200 pods\n", "listed 100 deployments\n"]);
  });
});

describe("preview --cluster: what the webhook never sees matches the shipped webhook configuration", () => {
  type Expression = { key: string; operator: string; values: string[] };
  const config = parseAllDocuments(readFileSync(join(REPO_ROOT, "manifests/base/webhook.yaml"), "utf8"))
    .map((d) => d.toJS())
    .find((d) => d?.kind === "MutatingWebhookConfiguration");
  const webhook = config.webhooks[0] as { namespaceSelector: { matchExpressions: Expression[] }; objectSelector: { matchExpressions: Expression[] } };

  it("the namespaces excluded by name", () => {
    const byName = webhook.namespaceSelector.matchExpressions.find((e) => e.key === "kubernetes.io/metadata.name");
    assert.deepEqual(byName, { key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...NOT_INTERCEPTED_NAMESPACES] });
  });

  it("the exemption label", () => {
    assert.deepEqual(webhook.objectSelector.matchExpressions, [{ key: EXEMPT_LABEL, operator: "NotIn", values: ["true"] }]);
  });
});

describe("preview --cluster: policies granted by identity", () => {
  // privileged only for the ingress ServiceAccount; restricted for everyone else.
  const { policies } = parsePolicies(
    `apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata: {name: privileged}
spec:
  subjects: [{kind: ServiceAccount, name: ingress, namespace: edge}]
  privileged: true
  volumes: ["*"]
  allowedCapabilities: ["*"]
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
---
apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata: {name: restricted}
spec:
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
`,
    "identity.yaml",
  );
  const pod = (name: string, serviceAccountName: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "edge", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${name}-1`, uid: "u", controller: true }] },
    spec: { serviceAccountName, containers: [{ name: "c", image: "i", securityContext: { privileged: true } }] },
  });

  it("a controller-made Pod gets the policy its ServiceAccount is granted, and no other", async () => {
    const [edge] = await clusterImpact(
      { namespaces: [{ name: "edge", labels: { "secure-defaults.io/enabled": "true" } }], pods: [pod("ingress", "ingress"), pod("web", "web")], workloads: [] },
      { policies },
    );
    assert.deepEqual(
      edge.entries.map((e) => [e.name, e.allowed, e.policy, e.identity.userInfo.username]),
      [
        ["ingress", true, "privileged", "system:serviceaccount:kube-system:replicaset-controller"],
        ["web", false, null, "system:serviceaccount:kube-system:replicaset-controller"],
      ],
    );
  });
});

describe("preview --cluster: the controller's identity reaches policy choice", () => {
  const { policies } = parsePolicies(
    `apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata: {name: controllers-only}
spec:
  subjects: [{kind: Group, name: "system:serviceaccounts:kube-system"}]
  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
`,
    "controllers.yaml",
  );
  const spec = { containers: [{ name: "c", image: "i" }] };
  const made = { apiVersion: "v1", kind: "Pod", metadata: { name: "made", namespace: "ns", ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: "u", controller: true }] }, spec };
  const bare = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: "ns" }, spec };

  it("a Pod made by a controller is granted what the controller's group is granted; a bare Pod is not", async () => {
    const [ns] = await clusterImpact({ namespaces: [{ name: "ns", labels: {} }], pods: [made, bare], workloads: [] }, { policies });
    assert.deepEqual(
      ns.entries.map((e) => [e.name, e.allowed, e.policy]),
      [
        ["made", true, "controllers-only"],
        ["bare", false, null],
      ],
    );
  });
});
