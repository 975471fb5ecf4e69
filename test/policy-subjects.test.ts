// Who may use a policy: RBAC's subject matching, PSP's "the user or the Pod's ServiceAccount" rule, and how
// choosePolicies filters by it before the namespace binding, with the exact denial when nothing is granted.
import assert from "node:assert/strict";
import { choosePolicies, POLICY_LABEL } from "../src/policy/choose.js";
import type { Pod, Policy, PolicySubject } from "../src/engine/types.js";
import { parsePolicies } from "../src/policy/load.js";
import { ruleGrantsUse } from "../src/policy/rbac.js";
import {
  authenticatedUser,
  grantsTo,
  isGranted,
  parseServiceAccountUsername,
  podServiceAccount,
  serviceAccountUserInfo,
  subjectMatches,
  type Requester,
} from "../src/policy/subjects.js";

function policy(name: string, extra: Record<string, unknown> = {}): Policy {
  const doc = {
    apiVersion: "secure-defaults.io/v1alpha1",
    kind: "SecureDefaultsPolicy",
    metadata: { name },
    spec: { seLinux: { rule: "RunAsAny" }, runAsUser: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" }, volumes: ["*"], ...extra },
  };
  return parsePolicies(JSON.stringify(doc), `${name}.json`).policies[0];
}

const names = (c: ReturnType<typeof choosePolicies>) => (c.ok ? c.candidates.map((p) => p.name) : c.message);
const alice: Requester = { userInfo: authenticatedUser("alice", ["dev"]), serviceAccountName: "default" };

describe("policy subjects", () => {
  describe("identities", () => {
    it("completes a user as the authenticators do: given groups, ServiceAccount groups, system:authenticated", () => {
      assert.deepEqual(authenticatedUser(), { username: "", groups: ["system:authenticated"] });
      assert.deepEqual(authenticatedUser("alice", ["dev", "system:authenticated"]), { username: "alice", groups: ["dev", "system:authenticated"] });
      assert.deepEqual(authenticatedUser("system:anonymous"), { username: "system:anonymous", groups: ["system:unauthenticated"] });
      assert.deepEqual(authenticatedUser("system:serviceaccount:kube-system:replicaset-controller"), {
        username: "system:serviceaccount:kube-system:replicaset-controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      });
    });

    it("PSP's ServiceAccount identity has the two ServiceAccount groups and not system:authenticated", () => {
      assert.deepEqual(serviceAccountUserInfo("shop", "web"), {
        username: "system:serviceaccount:shop:web",
        groups: ["system:serviceaccounts", "system:serviceaccounts:shop"],
      });
      assert.deepEqual(parseServiceAccountUsername("system:serviceaccount:shop:web"), { namespace: "shop", name: "web" });
      assert.equal(parseServiceAccountUsername("system:serviceaccount:shop"), undefined);
      assert.equal(parseServiceAccountUsername("system:serviceaccount:a:b:c"), undefined);
      assert.equal(parseServiceAccountUsername("alice"), undefined);
    });

    it("the Pod's ServiceAccount: serviceAccountName, else the deprecated serviceAccount, else default; a mirror Pod has none", () => {
      const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({ metadata: { annotations }, spec: { containers: [], ...spec } }) as Pod;
      assert.equal(podServiceAccount(pod({ serviceAccountName: "web" })), "web");
      assert.equal(podServiceAccount(pod({ serviceAccount: "legacy" })), "legacy");
      assert.equal(podServiceAccount(pod({})), "default");
      assert.equal(podServiceAccount(pod({}, { "kubernetes.io/config.mirror": "abc" })), undefined);
    });
  });

  describe("subjectMatches (RBAC appliesTo)", () => {
    const sa: PolicySubject = { kind: "ServiceAccount", name: "web", namespace: "shop" };
    it("a User by name, a Group by membership, a ServiceAccount by its username", () => {
      assert.equal(subjectMatches({ kind: "User", name: "alice" }, authenticatedUser("alice")), true);
      assert.equal(subjectMatches({ kind: "User", name: "alice" }, authenticatedUser("Alice")), false);
      assert.equal(subjectMatches({ kind: "Group", name: "dev" }, authenticatedUser("bob", ["dev"])), true);
      assert.equal(subjectMatches({ kind: "Group", name: "dev" }, authenticatedUser("dev")), false, "a user named like the group is not in it");
      assert.equal(subjectMatches(sa, serviceAccountUserInfo("shop", "web")), true);
      assert.equal(subjectMatches(sa, serviceAccountUserInfo("other", "web")), false);
      assert.equal(subjectMatches({ kind: "User", name: "system:serviceaccount:shop:web" }, serviceAccountUserInfo("shop", "web")), true);
    });
  });

  describe("grantsTo / isGranted (PSP's isAuthorizedForPolicy)", () => {
    const open = policy("open");
    const nobody = policy("nobody", { subjects: [] });
    const devInTeam = policy("dev-in-team", { subjects: [{ kind: "Group", name: "dev", inNamespaces: ["team"] }] });
    const webSa = policy("web-sa", { subjects: [{ kind: "ServiceAccount", name: "web", namespace: "shop" }] });
    const allSas = policy("all-sas", { subjects: [{ kind: "Group", name: "system:serviceaccounts:shop" }] });

    it("no subjects: everyone; an empty list: no one but system:masters", () => {
      assert.equal(grantsTo(open, authenticatedUser()), true);
      assert.equal(grantsTo(nobody, authenticatedUser("alice")), false);
      assert.equal(grantsTo(nobody, authenticatedUser("admin", ["system:masters"])), true);
    });

    it("inNamespaces limits the grant as a RoleBinding does; without a namespace it grants nothing", () => {
      assert.equal(grantsTo(devInTeam, authenticatedUser("bob", ["dev"]), "team"), true);
      assert.equal(grantsTo(devInTeam, authenticatedUser("bob", ["dev"]), "shop"), false);
      assert.equal(grantsTo(devInTeam, authenticatedUser("bob", ["dev"])), false);
    });

    it("the Pod's ServiceAccount counts in the Pod's namespace, with its groups", () => {
      const byAlice = (serviceAccountName?: string): Requester => ({ userInfo: authenticatedUser("alice"), serviceAccountName });
      assert.equal(isGranted(webSa, byAlice("web"), "shop"), true);
      assert.equal(isGranted(webSa, byAlice("web"), "other"), false, "web in other is another ServiceAccount");
      assert.equal(isGranted(webSa, byAlice("default"), "shop"), false);
      assert.equal(isGranted(allSas, byAlice("default"), "shop"), true);
      assert.equal(isGranted(allSas, byAlice(undefined), "shop"), false, "a mirror Pod has no ServiceAccount");
      assert.equal(isGranted(webSa, byAlice("web")), false, "without a namespace the ServiceAccount is unknown");
    });
  });

  describe("choosePolicies with a requester", () => {
    const everyone = policy("everyone");
    const devs = policy("devs", { subjects: [{ kind: "Group", name: "dev" }] });
    const ops = policy("ops", { subjects: [{ kind: "Group", name: "ops" }] });
    const opsInShop = policy("ops-shop", { namespaces: ["shop"], subjects: [{ kind: "Group", name: "ops" }] });

    it("filters by who asks, then by namespace binding", () => {
      const all = [everyone, devs, ops, opsInShop];
      assert.deepEqual(names(choosePolicies(all, "shop", {}, undefined, alice)), ["everyone", "devs"]);
      const carol: Requester = { userInfo: authenticatedUser("carol", ["ops"]), serviceAccountName: "default" };
      assert.deepEqual(names(choosePolicies(all, "shop", {}, undefined, carol)), ["everyone", "ops", "ops-shop"]);
      assert.deepEqual(names(choosePolicies(all, "team", {}, undefined, carol)), ["everyone", "ops"]);
    });

    it("without a requester, only policies for every authenticated user are candidates", () => {
      assert.deepEqual(names(choosePolicies([everyone, devs], "shop", {})), ["everyone"]);
    });

    it("denies, naming who asked, the ServiceAccount and the policies not granted", () => {
      const choice = choosePolicies([ops, opsInShop], "shop", {}, undefined, alice);
      assert.deepEqual(choice, {
        ok: false,
        path: "spec.serviceAccountName",
        message:
          'no policy is granted to user "alice" (groups: dev, system:authenticated) or to ServiceAccount "shop/default" in namespace "shop"; policies not granted to them: "ops", "ops-shop"',
      });
      const noSa = choosePolicies([ops], "shop", {}, undefined, { userInfo: authenticatedUser() });
      assert.equal(
        noSa.ok ? "" : noSa.message,
        'no policy is granted to a user with no name (groups: system:authenticated) in namespace "shop" (the Pod has no ServiceAccount); policies not granted to them: "ops"',
      );
    });

    it("a policy a namespace label names must be granted too", () => {
      const choice = choosePolicies([everyone, ops], "shop", { [POLICY_LABEL]: "ops" }, undefined, alice);
      assert.equal(choice.ok ? "" : choice.message, 'no policy is granted to user "alice" (groups: dev, system:authenticated) or to ServiceAccount "shop/default" in namespace "shop"; policies not granted to them: "ops"');
      assert.deepEqual(names(choosePolicies([everyone, ops], "shop", { [POLICY_LABEL]: "everyone" }, undefined, alice)), ["everyone"]);
    });

    it("the default policy applies when no granted policy does, and only if it is granted", () => {
      const teamOnly = policy("team-only", { namespaces: ["team"] });
      assert.deepEqual(names(choosePolicies([teamOnly, devs], "shop", {}, "devs", alice)), ["devs"]);
      const denied = choosePolicies([teamOnly, ops], "shop", {}, "ops", alice);
      assert.equal(denied.ok ? "" : denied.message.split(";")[1], ' policies not granted to them: "ops"');
      assert.deepEqual(names(choosePolicies([teamOnly], "shop", {}, undefined, alice)), [], "nothing applies here: today's 'no policy applies'");
    });

    it("lists at most ten policies that are not granted", () => {
      const many = Array.from({ length: 12 }, (_, i) => policy(`p${String(i).padStart(2, "0")}`, { subjects: [] }));
      const choice = choosePolicies(many, "shop", {}, undefined, alice);
      assert.match(choice.ok ? "" : choice.message, /"p08", "p09" and 2 more$/);
    });
  });

  describe("RBAC rules that grant use of PodSecurityPolicies", () => {
    const cases: [string, Record<string, string[]>, "all" | string[]][] = [
      ["use on named PSPs in policy", { verbs: ["use"], apiGroups: ["policy"], resources: ["podsecuritypolicies"], resourceNames: ["a", "b"] }, ["a", "b"]],
      ["use in extensions, no names: every PSP", { verbs: ["use"], apiGroups: ["extensions"], resources: ["podsecuritypolicies"] }, "all"],
      ["wildcards everywhere", { verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, "all"],
      ["an empty resourceNames list: every PSP", { verbs: ["use"], apiGroups: ["policy"], resources: ["podsecuritypolicies"], resourceNames: [] }, "all"],
      ["another verb", { verbs: ["get", "list"], apiGroups: ["policy"], resources: ["podsecuritypolicies"] }, []],
      ["the core API group", { verbs: ["use"], apiGroups: [""], resources: ["podsecuritypolicies"] }, []],
      ["another resource", { verbs: ["use"], apiGroups: ["policy"], resources: ["poddisruptionbudgets"] }, []],
      ["a subresource form", { verbs: ["use"], apiGroups: ["policy"], resources: ["podsecuritypolicies/status"] }, []],
      ["no apiGroups", { verbs: ["use"], resources: ["podsecuritypolicies"] }, []],
    ];
    for (const [what, rule, expected] of cases) {
      it(what, () => assert.deepEqual(ruleGrantsUse(rule as never), expected));
    }
  });
});
