// The network default of a SecureDefaultsPolicy: fixture pairs (policy → the NetworkPolicies it means),
// schema validity of every generated object (kubernetes-models, no unknown fields), validation errors
// naming file, document and field, which policy's default a namespace gets, and the CIDR arithmetic.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { chooseNetworkDefault } from "../src/admission/network-default.js";
import { POLICY_LABEL } from "../src/policy/choose.js";
import { parseCidr, strictlyInside } from "../src/policy/cidr.js";
import { loadPolicies, parsePolicies, PolicyLoadError } from "../src/policy/load.js";
import { networkPoliciesFor } from "../src/policy/network-policies.js";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { assertValidNetworkPolicy } from "./support/network-policy-schema.js";

const NETWORK_FIXTURES = join(REPO_ROOT, "test", "fixtures", "network");

const POLICY_HEAD = `apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata: {name: p}
spec:
  seLinux: {rule: RunAsAny}
  runAsUser: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
`;

function loadError(networkDefault: string): string {
  try {
    parsePolicies(`${POLICY_HEAD}  networkDefault: ${networkDefault}\n`, "bad.yaml");
  } catch (error) {
    assert.ok(error instanceof PolicyLoadError);
    return error.message;
  }
  assert.fail("expected a PolicyLoadError");
}

describe("network default: policy → NetworkPolicies", () => {
  const cases = readdirSync(NETWORK_FIXTURES).sort();

  it("has a fixture pair for every preset", () => {
    assert.deepEqual(cases, [
      "both-with-extra-rules",
      "egress-all-except-cloud-metadata",
      "egress-deny-all",
      "egress-dns",
      "egress-dns-and-same-namespace",
      "ingress-deny-all",
      "ingress-same-namespace",
    ]);
  });

  for (const name of cases) {
    describe(name, () => {
      const [policy] = loadPolicies([join(NETWORK_FIXTURES, name, "policy.yaml")]).policies;
      const expected = parseAllDocuments(readFileSync(join(NETWORK_FIXTURES, name, "networkpolicies.yaml"), "utf8")).map((d) => d.toJS());
      const objects = networkPoliciesFor(policy.networkDefault!, "team-a", policy.name);

      it("gives exactly the expected NetworkPolicies", () => assert.deepEqual(objects, expected));

      it("gives schema-valid NetworkPolicies (kubernetes-models, no unknown fields)", () => {
        assert.ok(objects.length > 0);
        for (const o of objects) assertValidNetworkPolicy(o);
      });

      it("gives the same objects again (pure)", () => assert.deepEqual(networkPoliciesFor(policy.networkDefault!, "team-a", policy.name), objects));
    });
  }

  it("the schema check itself rejects a broken NetworkPolicy (so the checks above mean something)", () => {
    const [policy] = loadPolicies([join(NETWORK_FIXTURES, "egress-dns", "policy.yaml")]).policies;
    const [object] = networkPoliciesFor(policy.networkDefault!, "team-a", policy.name);
    assert.throws(() => assertValidNetworkPolicy({ ...object, spec: { ...object.spec, policyTypes: "Egress" } }), /policyTypes must be array/);
    assert.throws(() => assertValidNetworkPolicy({ ...object, spec: { ...object.spec, egres: [] } }), /unknown fields/);
  });
});

describe("network default: validation", () => {
  const at = 'bad.yaml: document 1 (policy "p"): spec.networkDefault';

  it("names unknown presets with the likely intended one", () => {
    assert.equal(
      loadError("{ingress: same-namespaces, egress: dns-only}"),
      `${at}.ingress: unknown ingress preset "same-namespaces" (did you mean same-namespace?); must be one of: deny-all, same-namespace\n` +
        `${at}.egress: unknown egress preset "dns-only"; must be one of: deny-all, dns, dns-and-same-namespace, all-except-cloud-metadata`,
    );
  });

  it("refuses a default that declares nothing, and extra rules without a preset to widen", () => {
    assert.equal(loadError("{}"), `${at}: must set ingress (deny-all, same-namespace) or egress (deny-all, dns, dns-and-same-namespace, all-except-cloud-metadata)`);
    assert.equal(
      loadError("{allowIngress: [{from: [{podSelector: {}}]}], egress: dns}"),
      `${at}.allowIngress: needs an ingress preset: extra allow rules only widen a default that denies`,
    );
    assert.equal(loadError("{egress: dns, allowEgres: []}"), `bad.yaml: document 1 (policy "p"): unknown field spec.networkDefault.allowEgres (did you mean allowEgress?)`);
  });

  it("checks peers and ports as the API server does", () => {
    assert.equal(
      loadError(
        "{ingress: deny-all, allowIngress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}, {}], ports: [{port: 0}, {port: Http_Alt}, {protocol: tcp, port: 80}, {port: http, endPort: 90}, {port: 100, endPort: 90}]}]}",
      ),
      [
        `${at}.allowIngress[0].from[0].ipBlock: may not be combined with podSelector or namespaceSelector in one peer`,
        `${at}.allowIngress[0].from[1]: must set podSelector, namespaceSelector or ipBlock`,
        `${at}.allowIngress[0].ports[0].port: must be between 1 and 65535 (got 0)`,
        `${at}.allowIngress[0].ports[1].port: must be a port number or an IANA service name (at most 15 characters a-z, 0-9 and '-', with a letter) (got "Http_Alt")`,
        `${at}.allowIngress[0].ports[2].protocol: unknown protocol "tcp" (did you mean TCP?); must be one of: TCP, UDP, SCTP`,
        `${at}.allowIngress[0].ports[3].endPort: needs a numeric port to start the range`,
        `${at}.allowIngress[0].ports[4].endPort: must be between port (100) and 65535 (got 90)`,
      ].join("\n"),
    );
  });

  it("checks CIDR blocks and that every except lies strictly inside its cidr", () => {
    assert.equal(
      loadError(
        "{egress: deny-all, allowEgress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8, 11.0.0.0/16, 10.1.0.0/16, fd00::/8]}}]}]}",
      ),
      [
        `${at}.allowEgress[0].to[0].ipBlock.cidr: must be a CIDR block such as 10.0.0.0/8 or fd00::/8 (got "10.0.0.0/33")`,
        `${at}.allowEgress[0].to[1].ipBlock.except[0]: "10.0.0.0/8" must be a strict subset of cidr "10.0.0.0/8"`,
        `${at}.allowEgress[0].to[1].ipBlock.except[1]: "11.0.0.0/16" must be a strict subset of cidr "10.0.0.0/8"`,
        `${at}.allowEgress[0].to[1].ipBlock.except[3]: "fd00::/8" must be a strict subset of cidr "10.0.0.0/8"`,
      ].join("\n"),
    );
  });

  it("checks label selectors in peers like the policy's own namespaceSelector", () => {
    assert.equal(
      loadError("{egress: deny-all, allowEgress: [{to: [{namespaceSelector: {matchExpressions: [{key: a, operator: In}]}}]}]}"),
      `${at}.allowEgress[0].to[0].namespaceSelector.matchExpressions[0].values: must not be empty when the operator is In`,
    );
  });

  it("is a SecureDefaultsPolicy field only", () => {
    const psp = POLICY_HEAD.replace("secure-defaults.io/v1alpha1", "policy/v1beta1").replace("SecureDefaultsPolicy", "PodSecurityPolicy");
    assert.throws(
      () => parsePolicies(`${psp}  networkDefault: {egress: dns}\n`, "psp.yaml"),
      (e: Error) => e.message === 'psp.yaml: document 1 (policy "p"): unknown field spec.networkDefault (only a SecureDefaultsPolicy (secure-defaults.io/v1alpha1) has it)',
    );
  });

  it("loads nulls as absent fields", () => {
    const { policies } = parsePolicies(`${POLICY_HEAD}  networkDefault: {ingress: null, egress: dns, allowEgress: [{to: null, ports: [{port: 443, protocol: null}]}]}\n`, "ok.yaml");
    assert.deepEqual(policies[0].networkDefault, { egress: "dns", allowIngress: [], allowEgress: [{ ports: [{ port: 443 }] }] });
  });
});

describe("network default: which policy's default a namespace gets", () => {
  const policy = (name: string, extra: string) => parsePolicies(`${POLICY_HEAD.replace("name: p", `name: ${name}`)}${extra}`, `${name}.yaml`).policies[0];
  const policies = [
    policy("zeta", "  networkDefault: {egress: dns}\n"),
    policy("alpha", "  namespaces: [team-a]\n"),
    policy("beta", "  networkDefault: {ingress: deny-all}\n  namespaces: [team-a]\n"),
    policy("gamma", "  networkDefault: {egress: deny-all}\n  namespaces: [team-a]\n"),
  ];

  it("among several candidates, the first by name that declares one", () => {
    const choice = chooseNetworkDefault(policies, "team-a", {});
    assert.ok(choice.ok);
    assert.equal(choice.policy, "beta");
    assert.deepEqual(
      choice.objects.map((o) => [o.metadata.name, o.metadata.annotations]),
      [["secure-defaults-ingress", { "secure-defaults.io/policy": "beta" }]],
    );
  });

  it("the policy the namespace label names, even without a network default (then none)", () => {
    assert.deepEqual(chooseNetworkDefault(policies, "team-a", { [POLICY_LABEL]: "zeta" }), { ok: true, policy: "zeta", objects: networkPoliciesFor(policies[0].networkDefault!, "team-a", "zeta") });
    assert.deepEqual(chooseNetworkDefault(policies, "team-a", { [POLICY_LABEL]: "alpha" }), { ok: true, objects: [] });
  });

  it("the default policy where nothing else applies, and an error for a label naming no policy", () => {
    const bound = policies.slice(1);
    assert.equal((chooseNetworkDefault(bound, "elsewhere", {}, "gamma") as { policy?: string }).policy, "gamma");
    assert.deepEqual(chooseNetworkDefault(bound, "elsewhere", {}), { ok: true, objects: [] });
    assert.deepEqual(chooseNetworkDefault(policies, "team-a", { [POLICY_LABEL]: "omega" }), {
      ok: false,
      message: 'namespace "team-a" is labelled secure-defaults.io/policy=omega, but no policy named "omega" is loaded',
    });
  });
});

describe("CIDR blocks", () => {
  const cidr = (s: string) => parseCidr(s)!;
  it("parses IPv4 and IPv6 (compressed, mixed) and refuses the rest", () => {
    assert.deepEqual(cidr("10.1.2.0/24"), { family: 4, address: 0x0a010200n, prefix: 24 });
    assert.deepEqual(cidr("fd00:ec2::254/128"), { family: 6, address: 0xfd000ec2000000000000000000000254n, prefix: 128 });
    assert.deepEqual(cidr("::ffff:10.0.0.1/128"), { family: 6, address: 0xffff0a000001n, prefix: 128 });
    for (const bad of ["10.0.0.0", "10.0.0.0/33", "10.0.0.256/8", "::/129", "fe80::1%eth0/64", "10.0.0.0/-1", "/8"]) assert.equal(parseCidr(bad), undefined, bad);
  });
  it("knows strictly inside", () => {
    assert.equal(strictlyInside(cidr("169.254.169.254/32"), cidr("0.0.0.0/0")), true);
    assert.equal(strictlyInside(cidr("fd00:ec2::254/128"), cidr("::/0")), true);
    assert.equal(strictlyInside(cidr("10.1.0.0/16"), cidr("10.0.0.0/8")), true);
    assert.equal(strictlyInside(cidr("10.0.0.0/8"), cidr("10.0.0.0/8")), false);
    assert.equal(strictlyInside(cidr("11.0.0.0/16"), cidr("10.0.0.0/8")), false);
    assert.equal(strictlyInside(cidr("10.0.0.0/8"), cidr("::/0")), false);
  });
});
