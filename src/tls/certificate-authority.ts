// The CA that `secure-defaults certs` keeps in its output directory, and the serving certificate it
// signs for the webhook Service. A CA already in the directory is reused, so the caBundle stays the
// same across renewals; a new one is made when there is none, or on --rotate-ca, which keeps the
// previous CA trusted (as ca-previous.crt) until it expires. Errors name the `certs` options that fix them.
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { PEM_FILES, readCertificateAndKey, writeCertificateAndKey, writeFileAtomically } from "./certificate-files.js";
import { DAY_MS, checkCertificateAuthority, createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "./certificates.js";

export const CA_FILES = { ...PEM_FILES, previousCaCert: "ca-previous.crt" } as const;

export interface WebhookCertificateOptions {
  /** Directory that keeps the CA and receives the serving certificate (created if missing). */
  dir: string;
  /** Namespace and name of the webhook Service: the serving certificate is for its DNS names. */
  namespace: string;
  service: string;
  /** Validity of the serving certificate, and of a CA made on this call, in days. */
  days: number;
  caDays: number;
  /** Replace the CA in `dir` even when it is usable. */
  rotateCa: boolean;
}

export interface WebhookCertificates {
  dnsNames: string[];
  /** A new CA was made (none in `dir`, or --rotate-ca); otherwise the one in `dir` was reused. */
  createdCa: boolean;
  /** The PEM certificates the API server must trust: the current CA, then the previous one while it is valid. */
  trustedCas: string[];
  /** notAfter of the serving certificate, ISO 8601. */
  servingNotAfter: string;
}

/** The DNS names the API server may use for the Service (it uses NAME.NS.svc). */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

function notExpired(certPem: string, now: number): boolean {
  return Date.parse(new X509Certificate(certPem).validTo) > now;
}

/** The CA already in `dir`, checked: a CA certificate, its key, not expiring before a `days`-day serving certificate. */
export function existingCertificateAuthority(dir: string, days: number, now: number): CertificateAndKey | undefined {
  const certPath = join(resolve(dir), CA_FILES.caCert);
  const keyPath = join(resolve(dir), CA_FILES.caKey);
  const ca = readCertificateAndKey(certPath, keyPath);
  if (!ca) {
    if (existsSync(certPath)) {
      throw new Error(`${certPath} exists but ${keyPath} does not: without the CA key the CA cannot sign a new certificate; pass --rotate-ca to replace the CA`);
    }
    if (existsSync(keyPath)) throw new Error(`${keyPath} exists but ${certPath} does not; pass --rotate-ca to replace the CA`);
    return undefined;
  }
  let cert: X509Certificate;
  try {
    cert = checkCertificateAuthority(ca, CA_FILES.caKey);
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

/** Before a rotation: the CA certificate in `dir`, if still valid, becomes ca-previous.crt. */
export function keepPreviousCertificateAuthority(dir: string, now: number): void {
  const caPath = join(resolve(dir), CA_FILES.caCert);
  if (!existsSync(caPath)) return;
  const current = readFileSync(caPath, "utf8");
  if (notExpired(current, now)) writeFileAtomically(join(resolve(dir), CA_FILES.previousCaCert), current);
}

/**
 * The CAs to trust with `caPem` as the current one: while a rotated CA rolls out, the API server must
 * trust both, since Pods may still serve a certificate signed by the previous CA.
 */
export function trustedCertificateAuthorities(dir: string, caPem: string, now: number): string[] {
  const previousPath = join(resolve(dir), CA_FILES.previousCaCert);
  if (!existsSync(previousPath)) return [caPem];
  const previous = readFileSync(previousPath, "utf8");
  return notExpired(previous, now) && previous.trim() !== caPem.trim() ? [caPem, previous] : [caPem];
}

/** PEM certificates as one bundle, each ending with a newline. */
export function pemBundle(pems: readonly string[]): string {
  return pems.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
}

/**
 * Makes sure `dir` holds a usable CA (reused, or created: see the file comment) and writes a new serving
 * certificate for the Service, signed by it. A new CA is written only once it has signed that certificate.
 */
export async function writeWebhookCertificates(o: WebhookCertificateOptions, now = Date.now()): Promise<WebhookCertificates> {
  const dir = resolve(o.dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a directory`);
  mkdirSync(dir, { recursive: true });

  let ca = o.rotateCa ? undefined : existingCertificateAuthority(dir, o.days, now);
  const createdCa = ca === undefined;
  if (!ca) {
    if (o.caDays < o.days) throw new Error(`--ca-days (${o.caDays}) must be at least --days (${o.days})`);
    if (o.rotateCa) keepPreviousCertificateAuthority(dir, now);
    ca = await createCertificateAuthority({ commonName: `${o.service}.${o.namespace}-ca`, days: o.caDays });
  }

  const dnsNames = serviceDnsNames(o.service, o.namespace);
  const serving = await issueServingCertificate(ca, { commonName: `${o.service}.${o.namespace}.svc`, dnsNames, days: o.days });
  const trustedCas = trustedCertificateAuthorities(dir, ca.certPem, now);

  if (createdCa) writeCertificateAndKey(join(dir, CA_FILES.caCert), join(dir, CA_FILES.caKey), ca);
  writeCertificateAndKey(join(dir, CA_FILES.cert), join(dir, CA_FILES.key), serving);

  return { dnsNames, createdCa, trustedCas, servingNotAfter: new Date(new X509Certificate(serving.certPem).validTo).toISOString() };
}
