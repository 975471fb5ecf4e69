// The kustomize tree under manifests/: renders offline, every object is schema-valid, the objects
// agree with each other, the webhook is configured as documented, and the webhook's own Pod is
// already everything the restricted policy would make it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { evaluate } from "../src/engine/evaluate.js";
import { loadPolicies } from "../src/policy/load.js";
import {
  BASE_DIR,
  CERT_MANAGER_DIR,
  MANIFESTS,
  POLICIES_DIR,
  TLS_SECRET,
  assertConsistentInstall,
  find,
  flagValues,
  only,
  render,
  serviceDnsNames,
  validateObject,
  webhookContainer,
  type K8sObject,
} from "./support/manifests-render.js";

const NS = "secure-defaults";
const SERVICE = "secure-defaults";

const BASE_KINDS = [
  "ClusterRole",
  "ClusterRoleBinding",
  "ConfigMap",
  "Deployment",
  "MutatingWebhookConfiguration",
  "Namespace",
  "PodDisruptionBudget",
  "Service",
  "ServiceAccount",
];

function kinds(objects: readonly K8sObject[]): string[] {
  return [...new Set(objects.map((o) => o.kind))].sort();
}

describe("manifests: kustomize tree", () => {
  const trees: Record<string, string> = { "manifests/": MANIFESTS, "manifests/base": BASE_DIR, "manifests/overlays/cert-manager": CERT_MANAGER_DIR };
  const rendered = new Map<string, K8sObject[]>();
  before(() => {
    for (const [name, dir] of Object.entries(trees)) rendered.set(name, render(dir));
  });

  for (const name of Object.keys(trees)) {
    describe(name, () => {
      it("renders with kubectl kustomize, without duplicate objects", () => {
        const objects = rendered.get(name)!;
        assert.ok(objects.length >= BASE_KINDS.length);
        const ids = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
        assert.equal(new Set(ids).size, ids.length, "no duplicates");
      });

      it("validates every object against the Kubernetes schema (no unknown fields)", async () => {
        for (const o of rendered.get(name)!) {
          await assert.doesNotReject(validateObject(o), `${o.kind} ${o.metadata.name}`);
        }
      });

      it("holds objects that reference each other consistently", () => {
        assertConsistentInstall(rendered.get(name)!, { namespace: NS, service: SERVICE });
      });

      it("labels every object as part of kube-secure-defaults", () => {
        for (const o of rendered.get(name)!) {
          assert.equal(o.metadata.labels?.["app.kubernetes.io/part-of"], "kube-secure-defaults", `${o.kind} ${o.metadata.name}`);
        }
      });
    });
  }

  it("the validator itself rejects unknown fields and wrong types (so the checks above mean something)", async () => {
    const deployment = only(rendered.get("manifests/base")!, "Deployment");
    const typo = structuredClone(deployment);
    typo.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    await assert.rejects(validateObject(typo), /readOnlyRootFileSystem/);
    const wrongType = structuredClone(deployment);
    wrongType.spec.replicas = "2";
    await assert.rejects(validateObject(wrongType), /replicas/);
  });

  it("base holds exactly the webhook's objects, with no certificate", () => {
    const base = rendered.get("manifests/base")!;
    assert.deepEqual(kinds(base), BASE_KINDS);
    const webhook = only(base, "MutatingWebhookConfiguration").webhooks[0];
    assert.equal(webhook.clientConfig.caBundle, undefined, "the caBundle comes from an overlay");
    assert.deepEqual(find(base, "Secret"), [], "the TLS Secret comes from an overlay");
  });

  it("`kubectl apply -k manifests/` installs the cert-manager variant", () => {
    assert.deepEqual(rendered.get("manifests/"), rendered.get("manifests/overlays/cert-manager"));
  });

  describe("MutatingWebhookConfiguration", () => {
    let webhook: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    before(() => {
      webhook = only(rendered.get("manifests/base")!, "MutatingWebhookConfiguration").webhooks[0];
    });

    it("speaks AdmissionReview v1, has no side effects, reinvokes after later mutations", () => {
      assert.deepEqual(webhook.admissionReviewVersions, ["v1"]);
      assert.equal(webhook.sideEffects, "None");
      assert.equal(webhook.reinvocationPolicy, "IfNeeded");
      assert.equal(webhook.matchPolicy, "Equivalent");
    });

    it("has a short timeout and fails closed (the documented choice)", () => {
      assert.ok(webhook.timeoutSeconds >= 1 && webhook.timeoutSeconds <= 5, `timeoutSeconds ${webhook.timeoutSeconds}`);
      assert.equal(webhook.failurePolicy, "Fail");
    });

    it("intercepts Pod CREATE and UPDATE and ephemeral containers, nothing else", () => {
      assert.deepEqual(webhook.rules, [
        { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods", "pods/ephemeralcontainers"], scope: "Namespaced" },
      ]);
    });

    it("excludes the webhook's namespace and kube-system by name, not only by the opt-in label", () => {
      const names = webhook.namespaceSelector.matchExpressions.find((e: { key: string }) => e.key === "kubernetes.io/metadata.name");
      assert.equal(names.operator, "NotIn");
      for (const ns of [NS, "kube-system"]) assert.ok(names.values.includes(ns), ns);
    });
  });

  describe("Deployment", () => {
    let deployment: K8sObject;
    before(() => {
      deployment = only(rendered.get("manifests/base")!, "Deployment");
    });

    it("runs 2 replicas, spread over nodes, never below 2 during a rollout, at cluster-critical priority", () => {
      assert.equal(deployment.spec.replicas, 2);
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
      const pod = deployment.spec.template.spec;
      const keys = (pod.topologySpreadConstraints ?? []).map((c: { topologyKey: string }) => c.topologyKey);
      assert.ok(keys.includes("kubernetes.io/hostname"), "spread over nodes");
      assert.ok(pod.affinity?.podAntiAffinity, "anti-affinity between replicas");
      assert.equal(pod.priorityClassName, "system-cluster-critical");
    });

    it("is hardened: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, no escalation", () => {
      const pod = deployment.spec.template.spec;
      const c = webhookContainer(deployment);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.ok(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0);
      assert.ok(Number.isInteger(pod.securityContext.runAsGroup) && pod.securityContext.runAsGroup > 0);
      assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.equal(c.securityContext.privileged, false);
      assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
      for (const host of ["hostNetwork", "hostPID", "hostIPC"]) assert.ok(!pod[host], host);
      assert.ok(!c.ports.some((p: { hostPort?: number }) => p.hostPort), "no host ports");
    });

    it("gives the server time to drain: grace period > --shutdown-delay + shutdown timeout", () => {
      const args: string[] = webhookContainer(deployment).args;
      const delay = Number(flagValues(args, "--shutdown-delay")[0] ?? 0);
      const timeout = Number(flagValues(args, "--shutdown-timeout")[0] ?? 20);
      assert.ok(delay > 0, "a shutdown delay lets the Endpoints drop the Pod before the port closes");
      assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds > delay + timeout);
    });

    it("requests resources and limits memory", () => {
      const r = webhookContainer(deployment).resources;
      assert.ok(r.requests.cpu && r.requests.memory && r.limits.memory);
    });

    it("is protected by a PodDisruptionBudget that leaves one replica up", () => {
      const pdb = only(rendered.get("manifests/base")!, "PodDisruptionBudget");
      const allowed = pdb.spec.maxUnavailable ?? deployment.spec.replicas - pdb.spec.minAvailable;
      assert.ok(allowed >= 1 && allowed < deployment.spec.replicas, "drains possible, one replica always left");
    });

    it("is admitted UNCHANGED by policies/restricted.yaml (it already carries every default)", () => {
      const { policies } = loadPolicies([join(POLICIES_DIR, "restricted.yaml")]);
      assert.ok(policies.some((p) => p.name === "restricted"), "policies/restricted.yaml defines the restricted policy");
      const input = structuredClone(deployment);
      input.metadata.namespace = "apps";
      const result = evaluate(input, policies, { operation: "CREATE" });
      assert.deepEqual(result.violations, [], "no violations");
      assert.equal(result.allowed, true);
      assert.equal(result.policy, "restricted");
      assert.deepEqual(result.patch, [], "no patch: nothing left to default");
    });
  });

  describe("cert-manager overlay", () => {
    let objects: K8sObject[];
    before(() => {
      objects = rendered.get("manifests/overlays/cert-manager")!;
    });

    it("adds Issuers and Certificates to the base, nothing else", () => {
      assert.deepEqual(kinds(objects), [...BASE_KINDS, "Certificate", "Issuer"].sort());
    });

    it("chains self-signed Issuer → CA Certificate → CA Issuer → serving Certificate", () => {
      const selfSigned = find(objects, "Issuer").filter((i) => i.spec.selfSigned);
      assert.equal(selfSigned.length, 1);
      const caCert = find(objects, "Certificate").filter((c) => c.spec.isCA);
      assert.equal(caCert.length, 1);
      assert.equal(caCert[0].spec.issuerRef.name, selfSigned[0].metadata.name);
      assert.equal(caCert[0].spec.privateKey.rotationPolicy, "Never", "CA key survives renewals, so caBundle stays valid");
      const caIssuer = find(objects, "Issuer").filter((i) => i.spec.ca);
      assert.equal(caIssuer.length, 1);
      assert.equal(caIssuer[0].spec.ca.secretName, caCert[0].spec.secretName);
      const serving = find(objects, "Certificate").filter((c) => !c.spec.isCA);
      assert.equal(serving.length, 1);
      assert.equal(serving[0].spec.issuerRef.name, caIssuer[0].metadata.name);
      assert.equal(serving[0].spec.issuerRef.kind ?? "Issuer", "Issuer");
    });

    it("issues the serving certificate into the Secret the Deployment mounts, for the Service's DNS names", () => {
      const serving = find(objects, "Certificate").find((c) => !c.spec.isCA)!;
      assert.equal(serving.spec.secretName, TLS_SECRET);
      const service = only(objects, "Service");
      assert.deepEqual([...serving.spec.dnsNames].sort(), serviceDnsNames(service.metadata.name, service.metadata.namespace!).sort());
      assert.ok(serving.spec.usages.includes("server auth"));
      const deployment = only(objects, "Deployment");
      assert.ok(deployment.spec.template.spec.volumes.some((v: { secret?: { secretName: string } }) => v.secret?.secretName === serving.spec.secretName));
    });

    it("has cert-manager inject the CA into the webhook configuration", () => {
      const webhookConfig = only(objects, "MutatingWebhookConfiguration");
      const serving = find(objects, "Certificate").find((c) => !c.spec.isCA)!;
      assert.equal(webhookConfig.metadata.annotations["cert-manager.io/inject-ca-from"], `${serving.metadata.namespace}/${serving.metadata.name}`);
      assert.equal(webhookConfig.webhooks[0].clientConfig.caBundle, undefined);
    });
  });
});
