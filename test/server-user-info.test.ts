// The webhook over HTTPS reads request.userInfo: policies with subjects admit a Pod only when granted to
// the requesting user or to the Pod's ServiceAccount in its namespace (PSP's `use` rule). POST /preview
// takes `userInfo` in its body, completed like preview's --user/--group. Policies: the everyday import.
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { admissionReview, pod, startHarness, type Harness } from "./support/server-harness.js";

const POLICIES = join(REPO_ROOT, "test/fixtures/import/everyday/imported.yaml");
const CONTROLLER = { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"] };

function review(object: ReturnType<typeof pod>, userInfo: unknown) {
  const body = admissionReview({ namespace: object.metadata.namespace, object });
  const request = body.request as Record<string, unknown>;
  if (userInfo === undefined) delete request.userInfo;
  else request.userInfo = userInfo;
  return body;
}

const ingress = (namespace: string) => pod("ingress-nginx-controller", namespace, { serviceAccountName: "ingress-nginx", hostNetwork: true });
const HOST_NETWORK = 'spec.hostNetwork: policy "restricted" (hostNetwork): Host network is not allowed to be used';

describe("server: request.userInfo and policy subjects (HTTPS)", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ policies: [POLICIES] });
  });
  after(async () => h.close());

  async function mutate(object: ReturnType<typeof pod>, userInfo: unknown) {
    const reply = await h.client.request("/mutate", review(object, userInfo));
    assert.equal(reply.status, 200);
    return reply.json.response;
  }

  it("a controller-created Pod gets the policy granted to its ServiceAccount, in that namespace only", async () => {
    const admitted = await mutate(ingress("ingress-nginx"), CONTROLLER);
    assert.equal(admitted.allowed, true);
    assert.deepEqual(admitted.auditAnnotations, { policy: "privileged" });
    const elsewhere = await mutate(ingress("shop"), CONTROLLER);
    assert.equal(elsewhere.allowed, false);
    assert.equal(elsewhere.status.message, `pod "ingress-nginx-controller" in namespace "shop" is not allowed by secure-defaults (1 violation): ${HOST_NETWORK}`);
  });

  it("a cluster admin (system:masters) may use every policy", async () => {
    const admin = await mutate(pod("debug", "shop", { hostNetwork: true }), { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] });
    assert.equal(admin.allowed, true);
    assert.deepEqual(admin.auditAnnotations, { policy: "privileged" });
    const logged = h.logs.find("admission").find((l) => l.name === "debug");
    assert.equal(logged?.user, "kubernetes-admin", "the log line names who asked (the username only)");
    assert.equal(logged?.policy, "privileged");
  });

  it("a review without userInfo counts as an authenticated user with no other group", async () => {
    const plain = await mutate(pod("web", "shop"), undefined);
    assert.equal(plain.allowed, true);
    assert.equal(plain.auditAnnotations.policy, "restricted");
  });

  it("userInfo is taken as sent: an anonymous request is granted nothing, and the denial says who asked", async () => {
    const denied = await mutate(pod("web", "shop"), { username: "system:anonymous", groups: ["system:unauthenticated"] });
    assert.equal(denied.allowed, false);
    assert.equal(
      denied.status.message,
      'pod "web" in namespace "shop" is not allowed by secure-defaults (1 violation): spec.serviceAccountName: no policy is granted to user "system:anonymous" (groups: system:unauthenticated) or to ServiceAccount "shop/default" in namespace "shop"; policies not granted to them: "privileged", "restricted"',
    );
  });

  it("a malformed userInfo is a 400 naming the field", async () => {
    const reply = await h.client.request("/mutate", review(pod("web", "shop"), { username: "alice", groups: "dev" }));
    assert.equal(reply.status, 400);
    assert.equal(reply.json.message, "request.userInfo.groups must be a list of strings");
  });

  describe("POST /preview", () => {
    it("takes userInfo in the body, completed with system:authenticated and ServiceAccount groups", async () => {
      const mirror = { ...pod("etcd-node-1", "kube-system", { hostNetwork: true }), metadata: { name: "etcd-node-1", namespace: "kube-system", annotations: { "kubernetes.io/config.mirror": "x" } } };
      const asAnyone = await h.client.request("/preview", { object: mirror });
      assert.equal(asAnyone.status, 200);
      assert.deepEqual([asAnyone.json.allowed, asAnyone.json.policy], [false, null]);
      const asServiceAccount = await h.client.request("/preview", { object: mirror, userInfo: { username: "system:serviceaccount:kube-system:static" } });
      assert.deepEqual([asServiceAccount.json.allowed, asServiceAccount.json.policy], [true, "privileged"]);
      const asAdmin = await h.client.request("/preview", { object: pod("debug", "shop", { hostNetwork: true }), userInfo: { username: "root", groups: ["system:masters"] } });
      assert.deepEqual([asAdmin.json.allowed, asAdmin.json.policy], [true, "privileged"]);
    });

    it("a whole AdmissionReview carries its own userInfo", async () => {
      const reply = await h.client.request("/preview", review(ingress("ingress-nginx"), { username: "system:anonymous", groups: ["system:unauthenticated"] }));
      assert.equal(reply.status, 200);
      assert.equal(reply.json.policy, "privileged", "the Pod's ServiceAccount is granted, whoever asks");
    });

    it("a malformed userInfo is a 400", async () => {
      const reply = await h.client.request("/preview", { object: pod("web", "shop"), userInfo: { username: 7 } });
      assert.equal(reply.status, 400);
      assert.equal(reply.json.message, "userInfo.username must be a string");
    });
  });
});
