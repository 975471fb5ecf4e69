// `secure-defaults certs`: certificates for clusters without cert-manager. Writes a CA, a serving
// certificate for the webhook Service's DNS names and a kustomize overlay (TLS Secret + caBundle
// patch on top of manifests/base), so that `kubectl apply -k DIR` installs a working webhook.
// src/tls/certificate-authority.ts makes the certificates and src/tls/kustomize-overlay.ts the overlay;
// this file reads the options and reports what was written.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CA_FILES, pemBundle, writeWebhookCertificates, type WebhookCertificates } from "../tls/certificate-authority.js";
import { BASE, OVERLAY_FILES, writeOverlay, type ImageRef } from "../tls/kustomize-overlay.js";
import { processIo, type CliIo } from "./io.js";
import { UsageError } from "./usage-error.js";

const DEFAULT_DAYS = 365;
const DEFAULT_CA_DAYS = 3650;
const MAX_DAYS = 36500;

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

/** What the command did, for the person who ran it. */
function summary(out: string, certificates: WebhookCertificates): string {
  return [
    certificates.createdCa
      ? `created a new CA in ${join(out, CA_FILES.caCert)} (keep ${CA_FILES.caKey}: renewals reuse it)`
      : `reused the CA in ${join(out, CA_FILES.caCert)}`,
    `issued ${join(out, CA_FILES.cert)} for ${certificates.dnsNames.join(", ")}, valid until ${certificates.servingNotAfter}`,
    certificates.trustedCas.length > 1
      ? `caBundle trusts the new and the previous CA; once the new certificate is rolled out, delete ${join(out, CA_FILES.previousCaCert)} and run this again`
      : "caBundle trusts this CA",
    `wrote ${join(out, OVERLAY_FILES.caBundlePatch)} and ${join(out, OVERLAY_FILES.kustomization)}`,
    "",
    `install or update:  kubectl apply -k ${out}`,
    `renew before ${certificates.servingNotAfter}: run this command again, then apply again`,
    "",
  ].join("\n");
}

/** Exit status: 0 written, 1 failed (unusable files in DIR ...), 2 bad options. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const o = parseCertsArgs(argv);
    if (o === "help") {
      io.stdout.write(USAGE);
      return 0;
    }
    const certificates = await writeWebhookCertificates({ dir: o.out, namespace: o.namespace, service: o.service, days: o.days, caDays: o.caDays, rotateCa: o.rotateCa });
    writeOverlay(resolve(o.out), { namespace: o.namespace, service: o.service, base: o.base, image: o.image, shownDir: o.out }, pemBundle(certificates.trustedCas));
    io.stdout.write(summary(o.out, certificates));
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      io.stderr.write(`secure-defaults certs: ${message}\nRun "secure-defaults certs --help" for usage.\n`);
      return 2;
    }
    io.stderr.write(`secure-defaults certs: ${message}\n`);
    return 1;
  }
}
