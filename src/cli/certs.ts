// `secure-defaults certs`: certificates for clusters without cert-manager. Writes a CA, a serving
// certificate for the webhook Service's DNS names and a kustomize overlay (TLS Secret + caBundle
// patch on top of manifests/base), so that `kubectl apply -k DIR` installs a working webhook.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "../tls/certificates.js";

/** Names in manifests/base that the overlay refers to. */
export const BASE = {
  namespace: "secure-defaults",
  service: "secure-defaults",
  webhookConfiguration: "secure-defaults",
  webhook: "pods.secure-defaults.io",
  clusterRoleBinding: "secure-defaults",
  tlsSecret: "secure-defaults-tls",
} as const;

export const FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  previousCaCert: "ca-previous.crt",
  cert: "tls.crt",
  key: "tls.key",
  caBundlePatch: "webhook-cabundle-patch.yaml",
  kustomization: "kustomization.yaml",
  gitignore: ".gitignore",
} as const;

const DEFAULT_DAYS = 365;
const DEFAULT_CA_DAYS = 3650;
const MAX_DAYS = 36500;
const DAY_MS = 24 * 60 * 60 * 1000;

const USAGE = `Usage: secure-defaults certs --out DIR [options]

Writes, for clusters without cert-manager:
  DIR/ca.crt, DIR/ca.key        a CA (kept: later runs reuse it, so the caBundle stays the same)
  DIR/tls.crt, DIR/tls.key      a serving certificate for the Service's DNS names
                                NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local
  DIR/webhook-cabundle-patch.yaml   kustomize patch that sets the webhook's caBundle
  DIR/kustomization.yaml        overlay: manifests/base + Secret ${BASE.tlsSecret} + the patch
Then install with: kubectl apply -k DIR

Renew the serving certificate by running the same command again before it expires; the CA in DIR
is reused, so only the Secret changes and the webhook reloads it without an outage.

Options:
  --out DIR          output directory (created if missing)                     [required]
  --namespace NS     namespace of the webhook Service           [default: ${BASE.namespace}]
  --service NAME     name of the webhook Service                [default: ${BASE.service}]
  --days N           validity of the serving certificate in days   [default: ${DEFAULT_DAYS}]
  --ca-days N        validity of a newly created CA in days        [default: ${DEFAULT_CA_DAYS}]
  --rotate-ca        replace the CA in DIR; the old one stays in the caBundle (as
                     ca-previous.crt) until it expires or you delete that file
  --base DIR         the manifests/base directory the overlay builds on
                                                    [default: the one shipped with this package]
  --image REF        the webhook image to run, e.g. registry.example.com/kube-secure-defaults:1.0.0
                     or ...@sha256:<digest>            [default: the base's kube-secure-defaults:1.0.0]
  -h, --help         show this help

Exit status: 0 written, 1 failed (e.g. unusable files in DIR), 2 bad options.
`;

class UsageError extends Error {}

export interface CertsOptions {
  out: string;
  namespace: string;
  service: string;
  days: number;
  caDays: number;
  rotateCa: boolean;
  base: string;
  image?: ImageRef;
}

/** A kustomize `images:` entry for the base's image name. */
export interface ImageRef {
  newName: string;
  newTag?: string;
  digest?: string;
}

/** The image name in manifests/base/deployment.yaml that `images:` rewrites. */
export const BASE_IMAGE = "kube-secure-defaults";

/** NAME[:TAG][@sha256:DIGEST]; a registry port (host:5000/x) is not a tag. */
export function parseImage(ref: string): ImageRef {
  const m = /^([a-z0-9][a-z0-9._\-/:]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(ref);
  if (!m || m[1].endsWith("/") || m[1].includes("//") || /:[^/]*$/.test(m[1])) {
    throw new UsageError(`--image must be NAME[:TAG][@sha256:DIGEST] (e.g. registry.example.com/kube-secure-defaults:1.0.0), got "${ref}"`);
  }
  return { newName: m[1], ...(m[2] ? { newTag: m[2] } : {}), ...(m[3] ? { digest: m[3] } : {}) };
}

function positiveDays(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_DAYS) {
    throw new UsageError(`${flag} must be a whole number of days from 1 to ${MAX_DAYS}, got "${value}"`);
  }
  return Number(value);
}

/** A Service name and a namespace are both DNS-1123 labels. */
function dnsLabel(flag: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new UsageError(`${flag} must be a DNS label (lower-case letters, digits and '-', at most 63 characters), got "${value}"`);
  }
  return value;
}

/** manifests/base of this package: found upwards from this module (src/cli or dist/src/cli). */
function shippedBase(): string | undefined {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, "manifests", "base");
    if (existsSync(join(candidate, "kustomization.yaml")) && existsSync(join(dir, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function parseCertsArgs(argv: string[]): CertsOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: "string" },
        namespace: { type: "string" },
        service: { type: "string" },
        days: { type: "string" },
        "ca-days": { type: "string" },
        "rotate-ca": { type: "boolean" },
        base: { type: "string" },
        image: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (!v.out) throw new UsageError("--out DIR is required");
  const base = v.base ?? shippedBase();
  if (!base) throw new UsageError("cannot find manifests/base next to this program: pass --base DIR");
  if (!existsSync(join(base, "kustomization.yaml"))) throw new UsageError(`--base ${base}: no kustomization.yaml there`);
  return {
    out: v.out,
    namespace: dnsLabel("--namespace", v.namespace ?? BASE.namespace),
    service: dnsLabel("--service", v.service ?? BASE.service),
    days: positiveDays("--days", v.days, DEFAULT_DAYS),
    caDays: positiveDays("--ca-days", v["ca-days"], DEFAULT_CA_DAYS),
    rotateCa: v["rotate-ca"] ?? false,
    base,
    ...(v.image !== undefined ? { image: parseImage(v.image) } : {}),
  };
}

/** The DNS names the API server may use for the Service (it uses NAME.NS.svc). */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

function writeFile(path: string, content: string, mode = 0o644): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, path);
}

function notExpired(certPem: string, now: number): boolean {
  return Date.parse(new X509Certificate(certPem).validTo) > now;
}

/** The CA already in DIR, checked: a CA certificate, its key, not expiring before the new serving certificate. */
function existingCa(out: string, days: number, now: number): CertificateAndKey | undefined {
  const certPath = join(out, FILES.caCert);
  const keyPath = join(out, FILES.caKey);
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  if (!haveCert && !haveKey) return undefined;
  if (!haveKey) {
    throw new Error(`${certPath} exists but ${keyPath} does not: without the CA key the CA cannot sign a new certificate; pass --rotate-ca to replace the CA`);
  }
  if (!haveCert) throw new Error(`${keyPath} exists but ${certPath} does not; pass --rotate-ca to replace the CA`);
  const ca = { certPem: readFileSync(certPath, "utf8"), keyPem: readFileSync(keyPath, "utf8") };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certPem);
    if (!cert.ca) throw new Error("it is not a CA certificate");
    if (!cert.checkPrivateKey(createPrivateKey(ca.keyPem))) throw new Error(`${FILES.caKey} is not its key`);
  } catch (error) {
    throw new Error(`${certPath}: unusable CA (${error instanceof Error ? error.message : String(error)}); pass --rotate-ca to replace it`, {
      cause: error,
    });
  }
  const expires = Date.parse(cert.validTo);
  if (expires < now + days * DAY_MS) {
    throw new Error(
      `the CA in ${certPath} expires on ${new Date(expires).toISOString()}, before a ${days}-day serving certificate would: ` +
        "pass --rotate-ca to replace the CA, or fewer --days",
    );
  }
  return ca;
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** kustomize patch: the caBundle of the webhook (strategic merge, keyed by the webhook's name). */
export function caBundlePatch(caBundlePem: string): string {
  return `# GENERATED by \`secure-defaults certs\`: the CA(s) the API server trusts when it calls the webhook.
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: ${BASE.webhookConfiguration}
webhooks:
  - name: ${BASE.webhook}
    clientConfig:
      caBundle: ${Buffer.from(caBundlePem).toString("base64")}
`;
}

/** JSON 6902 patches for a namespace or Service name other than the base's (each `test` guards the base's layout). */
function renamePatches(o: CertsOptions): string {
  const patches: string[] = [];
  if (o.namespace !== BASE.namespace) {
    patches.push(`  - target:
      kind: MutatingWebhookConfiguration
      name: ${BASE.webhookConfiguration}
    patch: |-
      - op: test
        path: /webhooks/0/clientConfig/service/namespace
        value: ${BASE.namespace}
      - op: replace
        path: /webhooks/0/clientConfig/service/namespace
        value: ${yamlString(o.namespace)}
      - op: test
        path: /webhooks/0/namespaceSelector/matchExpressions/1/values/0
        value: ${BASE.namespace}
      - op: replace
        path: /webhooks/0/namespaceSelector/matchExpressions/1/values/0
        value: ${yamlString(o.namespace)}
  - target:
      kind: ClusterRoleBinding
      name: ${BASE.clusterRoleBinding}
    patch: |-
      - op: test
        path: /subjects/0/namespace
        value: ${BASE.namespace}
      - op: replace
        path: /subjects/0/namespace
        value: ${yamlString(o.namespace)}
`);
  }
  if (o.service !== BASE.service) {
    patches.push(`  - target:
      kind: Service
      name: ${BASE.service}
    patch: |-
      - op: replace
        path: /metadata/name
        value: ${yamlString(o.service)}
  - target:
      kind: MutatingWebhookConfiguration
      name: ${BASE.webhookConfiguration}
    patch: |-
      - op: test
        path: /webhooks/0/clientConfig/service/name
        value: ${BASE.service}
      - op: replace
        path: /webhooks/0/clientConfig/service/name
        value: ${yamlString(o.service)}
`);
  }
  return patches.join("");
}

export function kustomization(o: CertsOptions, baseRelative: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = o.out.replace(/[\u0000-\u001f]/g, "?");
  return `# GENERATED by \`secure-defaults certs\`: install with \`kubectl apply -k ${shown}\`.
# The webhook from manifests/base with the certificates in this directory. Re-run the same
# \`secure-defaults certs\` command to renew them (the CA is reused), then apply again.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

namespace: ${yamlString(o.namespace)}

resources:
  - ${yamlString(baseRelative)}

secretGenerator:
  # The Deployment mounts this Secret; a stable name lets a renewed certificate reach the running
  # Pods (the webhook reloads it) instead of forcing a rollout.
  - name: ${BASE.tlsSecret}
    type: kubernetes.io/tls
    files:
      - ${FILES.cert}
      - ${FILES.key}
      - ${FILES.caCert}
    options:
      disableNameSuffixHash: true

patches:
  - path: ${FILES.caBundlePatch}
${renamePatches(o)}${imagesBlock(o.image)}`;
}

function imagesBlock(image: ImageRef | undefined): string {
  if (!image) return "";
  const lines = [`  - name: ${BASE_IMAGE}`, `    newName: ${yamlString(image.newName)}`];
  if (image.newTag) lines.push(`    newTag: ${yamlString(image.newTag)}`);
  if (image.digest) lines.push(`    digest: ${yamlString(image.digest)}`);
  return `\nimages:\n${lines.join("\n")}\n`;
}

const GITIGNORE = `# Written by \`secure-defaults certs\`: private keys stay out of version control.
*.key
`;

export interface CertsResult {
  dnsNames: string[];
  createdCa: boolean;
  caBundleCertificates: number;
  servingNotAfter: string;
}

/** Writes the certificates and the overlay into o.out. */
export async function writeCerts(o: CertsOptions, now = Date.now()): Promise<CertsResult> {
  const out = resolve(o.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Error(`${out} exists and is not a directory`);
  mkdirSync(out, { recursive: true });

  let ca = o.rotateCa ? undefined : existingCa(out, o.days, now);
  const createdCa = ca === undefined;
  if (!ca) {
    if (o.caDays < o.days) throw new Error(`--ca-days (${o.caDays}) must be at least --days (${o.days})`);
    const oldCaPath = join(out, FILES.caCert);
    if (o.rotateCa && existsSync(oldCaPath)) {
      const old = readFileSync(oldCaPath, "utf8");
      if (notExpired(old, now)) writeFile(join(out, FILES.previousCaCert), old);
    }
    ca = await createCertificateAuthority({ commonName: `${o.service}.${o.namespace}-ca`, days: o.caDays });
  }

  const dnsNames = serviceDnsNames(o.service, o.namespace);
  const serving = await issueServingCertificate(ca, { commonName: `${o.service}.${o.namespace}.svc`, dnsNames, days: o.days });

  // While a rotated CA rolls out, the API server must trust both: Pods may still serve the old certificate.
  const bundle = [ca.certPem];
  const previousPath = join(out, FILES.previousCaCert);
  if (existsSync(previousPath)) {
    const previous = readFileSync(previousPath, "utf8");
    if (notExpired(previous, now) && previous.trim() !== ca.certPem.trim()) bundle.push(previous);
  }
  const caBundlePem = bundle.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");

  let baseRelative = relative(out, resolve(o.base)).split(sep).join("/");
  if (!baseRelative) baseRelative = ".";

  if (createdCa) {
    writeFile(join(out, FILES.caKey), ca.keyPem, 0o600);
    writeFile(join(out, FILES.caCert), ca.certPem);
  }
  writeFile(join(out, FILES.key), serving.keyPem, 0o600);
  writeFile(join(out, FILES.cert), serving.certPem);
  writeFile(join(out, FILES.caBundlePatch), caBundlePatch(caBundlePem));
  writeFile(join(out, FILES.kustomization), kustomization(o, baseRelative));
  if (!existsSync(join(out, FILES.gitignore))) writeFile(join(out, FILES.gitignore), GITIGNORE);

  return {
    dnsNames,
    createdCa,
    caBundleCertificates: bundle.length,
    servingNotAfter: new Date(new X509Certificate(serving.certPem).validTo).toISOString(),
  };
}

export async function run(argv: string[]): Promise<number> {
  let options: CertsOptions | "help";
  try {
    options = parseCertsArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`secure-defaults certs: ${error.message}\nRun "secure-defaults certs --help" for usage.\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  let result: CertsResult;
  try {
    result = await writeCerts(options);
  } catch (error) {
    process.stderr.write(`secure-defaults certs: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const out = options.out;
  process.stdout.write(
    [
      result.createdCa ? `created a new CA in ${join(out, FILES.caCert)} (keep ${FILES.caKey}: renewals reuse it)` : `reused the CA in ${join(out, FILES.caCert)}`,
      `issued ${join(out, FILES.cert)} for ${result.dnsNames.join(", ")}, valid until ${result.servingNotAfter}`,
      result.caBundleCertificates > 1
        ? `caBundle trusts the new and the previous CA; once the new certificate is rolled out, delete ${join(out, FILES.previousCaCert)} and run this again`
        : "caBundle trusts this CA",
      `wrote ${join(out, FILES.caBundlePatch)} and ${join(out, FILES.kustomization)}`,
      "",
      `install or update:  kubectl apply -k ${out}`,
      `renew before ${result.servingNotAfter}: run this command again, then apply again`,
      "",
    ].join("\n"),
  );
  return 0;
}
