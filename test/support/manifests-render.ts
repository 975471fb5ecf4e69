// Helpers for the install manifests: render a kustomize directory with `kubectl kustomize` (offline),
// validate every object strictly against the Kubernetes schema, and cross-check the objects of one
// install against each other.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";

export const REPO_ROOT = join(import.meta.dirname, "..", "..");
export const MANIFESTS = join(REPO_ROOT, "manifests");
export const BASE_DIR = join(MANIFESTS, "base");
export const CERT_MANAGER_DIR = join(MANIFESTS, "overlays", "cert-manager");
export const POLICIES_DIR = join(REPO_ROOT, "policies");
export const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

/** `kubectl kustomize DIR`, parsed. No cluster or network involved. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync(KUBECTL, ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(out)
    .map((d) => {
      if (d.errors.length) throw new Error(`kubectl kustomize ${dir}: ${d.errors[0].message}`);
      return d.toJS() as K8sObject;
    })
    .filter((o) => o);
}

export function find(objects: readonly K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function only(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  assert.equal(found.length, 1, `expected exactly one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0];
}

// ---------------------------------------------------------------------------------------------
// Schema validation

const MODEL_MODULES: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "admissionregistration.k8s.io/v1": "kubernetes-models/admissionregistration.k8s.io/v1",
};

const PRIMITIVES = new Set(["string", "number", "boolean", "Date", "object", "any", "IntOrString", "RuntimeRawExtension"]);
const K8S = k8s as unknown as Record<string, { getAttributeTypeMap?: () => { baseName: string; type: string }[] }>;

/**
 * kubernetes-models checks types, required fields and enums but lets unknown fields through (a typo
 * such as `readOnlyRootFileSystem` would be silently dropped by the API server). This walks the
 * object along @kubernetes/client-node's attribute maps and reports every field the type lacks.
 */
export function unknownFields(value: unknown, type: string, path = ""): string[] {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1], `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return Object.entries(value as object).flatMap(([k, v]) => unknownFields(v, map[1], `${path}.${k}`));
  const model = K8S[type]?.getAttributeTypeMap?.();
  if (!model) throw new Error(`no model for type ${type} at ${path || "."}`);
  if (typeof value !== "object" || Array.isArray(value)) return [];
  const fields = new Map(model.map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const t = fields.get(k);
    return t === undefined ? [`${path}.${k}`] : unknownFields(v, t, `${path}.${k}`);
  });
}

const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const CERT_MANAGER_USAGES = new Set([
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
  "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
  "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
  "microsoft sgc", "netscape sgc",
]);
const CERTIFICATE_SPEC_FIELDS = new Set([
  "secretName", "secretTemplate", "issuerRef", "commonName", "dnsNames", "ipAddresses", "uris", "emailAddresses",
  "duration", "renewBefore", "renewBeforePercentage", "usages", "privateKey", "isCA", "subject", "literalSubject",
  "keystores", "revisionHistoryLimit", "additionalOutputFormats", "encodeUsagesInRequest", "nameConstraints", "otherNames",
]);
const ISSUER_TYPES = ["selfSigned", "ca", "acme", "vault", "venafi"];

/** cert-manager.io/v1 Issuer and Certificate, checked structurally (their CRDs are not in kubernetes-models). */
export function validateCertManager(o: K8sObject): void {
  const where = `${o.kind} ${o.metadata?.name}`;
  assert.equal(o.apiVersion, "cert-manager.io/v1", `${where}: apiVersion`);
  assert.ok(typeof o.metadata?.name === "string" && o.metadata.name, `${where}: metadata.name`);
  assert.deepEqual(Object.keys(o).sort(), ["apiVersion", "kind", "metadata", "spec"], `${where}: top-level fields`);
  const spec = o.spec;
  assert.ok(spec && typeof spec === "object", `${where}: spec`);
  if (o.kind === "Issuer" || o.kind === "ClusterIssuer") {
    const types = Object.keys(spec).filter((k) => ISSUER_TYPES.includes(k));
    assert.equal(types.length, 1, `${where}: exactly one issuer type of ${ISSUER_TYPES.join(", ")}`);
    assert.deepEqual(Object.keys(spec), types, `${where}: unknown spec fields`);
    if (spec.ca) assert.ok(typeof spec.ca.secretName === "string" && spec.ca.secretName, `${where}: spec.ca.secretName`);
    if (spec.selfSigned) assert.equal(typeof spec.selfSigned, "object", `${where}: spec.selfSigned`);
    return;
  }
  assert.equal(o.kind, "Certificate", `${where}: unsupported cert-manager kind`);
  for (const k of Object.keys(spec)) assert.ok(CERTIFICATE_SPEC_FIELDS.has(k), `${where}: unknown field spec.${k}`);
  assert.ok(typeof spec.secretName === "string" && spec.secretName, `${where}: spec.secretName is required`);
  assert.ok(typeof spec.issuerRef?.name === "string" && spec.issuerRef.name, `${where}: spec.issuerRef.name is required`);
  if (spec.issuerRef.kind !== undefined) assert.ok(["Issuer", "ClusterIssuer"].includes(spec.issuerRef.kind), `${where}: issuerRef.kind`);
  if (spec.issuerRef.group !== undefined) assert.equal(spec.issuerRef.group, "cert-manager.io", `${where}: issuerRef.group`);
  assert.ok(spec.commonName || spec.dnsNames?.length || spec.ipAddresses?.length || spec.uris?.length, `${where}: needs a subject or SAN`);
  for (const list of ["dnsNames", "ipAddresses", "usages"]) {
    if (spec[list] !== undefined) assert.ok(Array.isArray(spec[list]) && spec[list].every((x: unknown) => typeof x === "string"), `${where}: spec.${list}`);
  }
  for (const u of spec.usages ?? []) assert.ok(CERT_MANAGER_USAGES.has(u), `${where}: unknown usage "${u}"`);
  for (const d of ["duration", "renewBefore"]) if (spec[d] !== undefined) assert.match(spec[d], DURATION, `${where}: spec.${d}`);
  if (spec.isCA !== undefined) assert.equal(typeof spec.isCA, "boolean", `${where}: spec.isCA`);
  const pk = spec.privateKey;
  if (pk) {
    if (pk.algorithm !== undefined) assert.ok(["RSA", "ECDSA", "Ed25519"].includes(pk.algorithm), `${where}: privateKey.algorithm`);
    if (pk.algorithm === "ECDSA" && pk.size !== undefined) assert.ok([256, 384, 521].includes(pk.size), `${where}: privateKey.size`);
    if (pk.rotationPolicy !== undefined) assert.ok(["Never", "Always"].includes(pk.rotationPolicy), `${where}: privateKey.rotationPolicy`);
  }
}

/**
 * kustomize writes Secret data (and ConfigMap binaryData) as base64 wrapped over lines; the API
 * server's base64 decoding skips the line breaks, kubernetes-models' "byte" format does not.
 */
function apiServerView(o: K8sObject): K8sObject {
  const field = o.kind === "Secret" ? "data" : o.kind === "ConfigMap" ? "binaryData" : undefined;
  if (!field || !o[field]) return o;
  const unwrapped = Object.fromEntries(Object.entries<string>(o[field]).map(([k, v]) => [k, v.replace(/\n/g, "")]));
  return { ...o, [field]: unwrapped };
}

/** Validates one rendered object: kubernetes-models schema, plus no unknown fields; cert-manager structurally. */
export async function validateObject(o: K8sObject): Promise<void> {
  if (o.apiVersion?.startsWith("cert-manager.io/")) return validateCertManager(o);
  const module = MODEL_MODULES[o.apiVersion];
  assert.ok(module, `${o.kind} ${o.metadata?.name}: unexpected apiVersion ${o.apiVersion}`);
  const models = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[o.kind];
  assert.ok(Model, `${o.kind}: not a kind of ${o.apiVersion}`);
  new Model(apiServerView(o)).validate();
  const unknown = unknownFields(o, `V1${o.kind}`);
  assert.deepEqual(unknown, [], `${o.kind} ${o.metadata.name}: unknown fields`);
}

// ---------------------------------------------------------------------------------------------
// Cross-checks

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    const ok =
      e.operator === "In" ? inValues
      : e.operator === "NotIn" ? !inValues
      : e.operator === "Exists" ? has
      : e.operator === "DoesNotExist" ? !has
      : (() => { throw new Error(`unknown selector operator ${e.operator}`); })();
    if (!ok) return false;
  }
  return true;
}

/** Values of a CLI flag in an argument list, in `--flag value` or `--flag=value` form. */
export function flagValues(args: readonly string[], flag: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && i + 1 < args.length) values.push(args[++i]);
    else if (args[i].startsWith(`${flag}=`)) values.push(args[i].slice(flag.length + 1));
  }
  return values;
}

/** The flags (`--x`) an argument list uses. */
export function flagNames(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]);
}

export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export const WEBHOOK_CONFIGURATION = "secure-defaults";
export const TLS_SECRET = "secure-defaults-tls";
export const POLICIES_CONFIGMAP = "secure-defaults-policies";

export function webhookContainer(deployment: K8sObject): any {
  const containers = deployment.spec.template.spec.containers;
  assert.equal(containers.length, 1, "the Deployment runs one container");
  return containers[0];
}

/** Mount path of a volume in the container, resolved from the volume's source. */
export function mountOf(deployment: K8sObject, source: (v: any) => boolean): { mountPath: string; volume: any; mount: any } {
  const pod = deployment.spec.template.spec;
  const volumes = (pod.volumes ?? []).filter(source);
  assert.equal(volumes.length, 1, "expected exactly one such volume");
  const mounts = (webhookContainer(deployment).volumeMounts ?? []).filter((m: any) => m.name === volumes[0].name);
  assert.equal(mounts.length, 1, `volume ${volumes[0].name} is mounted once`);
  return { mountPath: mounts[0].mountPath, volume: volumes[0], mount: mounts[0] };
}

/**
 * Checks that one rendered install hangs together for a Service `service` in `namespace`: names,
 * ports, selectors, paths, RBAC, volumes and the webhook's selectors. Route-specific TLS checks
 * (caBundle, Certificates) are done by the callers.
 */
export function assertConsistentInstall(objects: readonly K8sObject[], expected: { namespace: string; service: string }): void {
  const { namespace: ns, service: svcName } = expected;

  // Namespaces: the Namespace object exists and every namespaced object lives in it.
  only(objects, "Namespace", ns);
  const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration"]);
  for (const o of objects) {
    if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind} ${o.metadata.name} is cluster-scoped`);
    else assert.equal(o.metadata.namespace, ns, `${o.kind} ${o.metadata.name} is in namespace ${ns}`);
  }

  const deployment = only(objects, "Deployment");
  const pod = deployment.spec.template.spec;
  const podLabels = deployment.spec.template.metadata.labels;
  const container = webhookContainer(deployment);

  // Selectors: Deployment, Service and PDB all select the webhook's Pods.
  assert.ok(selectorMatches(deployment.spec.selector, podLabels), "Deployment selector matches its template");
  const service = only(objects, "Service", svcName);
  assert.ok(Object.keys(service.spec.selector ?? {}).length > 0, "Service has a selector");
  assert.ok(selectorMatches({ matchLabels: service.spec.selector }, podLabels), "Service selects the webhook Pods");
  const pdb = only(objects, "PodDisruptionBudget");
  assert.ok(selectorMatches(pdb.spec.selector, podLabels), "PodDisruptionBudget selects the webhook Pods");

  // Ports: webhook → Service port → container port → serve --port.
  const webhookConfig = only(objects, "MutatingWebhookConfiguration", WEBHOOK_CONFIGURATION);
  assert.equal(webhookConfig.webhooks.length, 1, "one webhook");
  const webhook = webhookConfig.webhooks[0];
  const ref = webhook.clientConfig.service;
  assert.equal(webhook.clientConfig.url, undefined, "the webhook is called through its Service");
  assert.deepEqual([ref.name, ref.namespace], [svcName, ns], "webhook clientConfig names the Service");
  assert.equal(ref.path, "/mutate", "webhook path is the server's /mutate endpoint");
  const servicePort = service.spec.ports.find((p: any) => p.port === (ref.port ?? 443));
  assert.ok(servicePort, `Service exposes the webhook's port ${ref.port ?? 443}`);
  assert.equal(servicePort.port, 443);
  const containerPort = container.ports.find((p: any) =>
    typeof servicePort.targetPort === "string" ? p.name === servicePort.targetPort : p.containerPort === servicePort.targetPort,
  );
  assert.ok(containerPort, `Service targetPort ${servicePort.targetPort} is a container port`);
  assert.equal(containerPort.containerPort, 8443);
  const args: string[] = container.args ?? [];
  assert.deepEqual(flagValues(args, "--port"), [String(containerPort.containerPort)], "serve --port matches the container port");

  // Probes: HTTPS on the serving port, /healthz and /readyz.
  for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
    const get = container[probe]?.httpGet;
    assert.ok(get, `${probe} is an httpGet probe`);
    assert.equal(get.scheme, "HTTPS", `${probe} uses HTTPS`);
    assert.equal(get.path, path, `${probe} path`);
    assert.ok(get.port === containerPort.name || get.port === containerPort.containerPort, `${probe} targets the serving port`);
  }

  // Volumes: policies from the ConfigMap, TLS from the Secret, both whole-directory mounts (no
  // subPath, so updates reach the Pod), matching the serve flags.
  const policies = mountOf(deployment, (v) => v.configMap?.name === POLICIES_CONFIGMAP);
  only(objects, "ConfigMap", POLICIES_CONFIGMAP);
  assert.equal(policies.mount.subPath, undefined, "policies mounted without subPath");
  assert.deepEqual(flagValues(args, "--policies"), [policies.mountPath], "serve --policies is the ConfigMap mount");
  const tls = mountOf(deployment, (v) => v.secret?.secretName === TLS_SECRET);
  assert.equal(tls.mount.subPath, undefined, "TLS Secret mounted without subPath");
  assert.deepEqual(flagValues(args, "--tls-cert"), [`${tls.mountPath}/tls.crt`], "serve --tls-cert is in the Secret mount");
  assert.deepEqual(flagValues(args, "--tls-key"), [`${tls.mountPath}/tls.key`], "serve --tls-key is in the Secret mount");
  for (const m of container.volumeMounts) {
    assert.ok(pod.volumes.some((v: any) => v.name === m.name), `volumeMount ${m.name} has a volume`);
  }

  // RBAC: the Pod's ServiceAccount, bound to a ClusterRole that reads namespaces and keeps NetworkPolicies
  // (test/manifests-rbac.test.ts checks the verbs against the requests the webhook makes).
  const sa = only(objects, "ServiceAccount", pod.serviceAccountName);
  const binding = only(objects, "ClusterRoleBinding");
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: ns }], "binding subject is the webhook's ServiceAccount");
  assert.equal(binding.roleRef.kind, "ClusterRole");
  const role = only(objects, "ClusterRole", binding.roleRef.name);
  assert.deepEqual(
    role.rules,
    [
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list", "create", "patch", "delete"] },
    ],
    "ClusterRole: namespaces get/list/watch, networkpolicies list/create/patch/delete, nothing else",
  );
  assert.deepEqual(find(objects, "Role").concat(find(objects, "RoleBinding")), [], "no other RBAC");

  // Which namespaces and Pods the webhook intercepts.
  const nsLabels = (name: string, extra: Record<string, string> = {}) => ({ "kubernetes.io/metadata.name": name, ...extra });
  const optIn = { "secure-defaults.io/enabled": "true" };
  assert.ok(selectorMatches(webhook.namespaceSelector, nsLabels("apps", optIn)), "an opted-in namespace is intercepted");
  assert.ok(!selectorMatches(webhook.namespaceSelector, nsLabels("apps")), "a namespace without the label is not");
  assert.ok(!selectorMatches(webhook.namespaceSelector, nsLabels("apps", { "secure-defaults.io/enabled": "false" })), "enabled=false is not");
  for (const never of [ns, "kube-system"]) {
    assert.ok(!selectorMatches(webhook.namespaceSelector, nsLabels(never, optIn)), `${never} is never intercepted, even when labelled`);
  }
  assert.ok(selectorMatches(webhook.objectSelector, {}), "an unlabelled Pod is intercepted");
  assert.ok(selectorMatches(webhook.objectSelector, { "secure-defaults.io/exempt": "false" }), "exempt=false is intercepted");
  assert.ok(!selectorMatches(webhook.objectSelector, { "secure-defaults.io/exempt": "true" }), "exempt=true is not");
}
