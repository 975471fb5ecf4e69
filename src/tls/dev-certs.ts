// Local development certificates: a CA and a localhost serving certificate kept under `.secure-defaults/`
// (git-ignored), created on first start and reused afterwards, so `curl --cacert` keeps working.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PEM_FILES, readCertificateAndKey, writeCertificateAndKey } from "./certificate-files.js";
import { checkCertificateAuthority, createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "./certificates.js";

export const DEV_CERT_DIR = ".secure-defaults";
export const DEV_DNS_NAMES = ["localhost"];
export const DEV_IP_ADDRESSES = ["127.0.0.1", "::1"];

export interface DevelopmentCertificates {
  caCertPath: string;
  certPath: string;
  keyPath: string;
  /** What was (re)created on this call: nothing, the serving certificate, or CA and serving certificate. */
  created: "none" | "serving" | "all";
}

/** A certificate this close to expiry is replaced. */
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60 * 1000;

function fresh(cert: X509Certificate): boolean {
  return Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS && Date.parse(cert.validFrom) <= Date.now();
}

function usableCa(pair: CertificateAndKey | undefined): boolean {
  if (!pair) return false;
  try {
    return fresh(checkCertificateAuthority(pair));
  } catch {
    return false;
  }
}

function usableServing(pair: CertificateAndKey | undefined, ca: CertificateAndKey): boolean {
  if (!pair) return false;
  try {
    const cert = new X509Certificate(pair.certPem);
    const caCert = new X509Certificate(ca.certPem);
    const names = cert.subjectAltName ?? "";
    const covered = DEV_DNS_NAMES.every((n) => names.includes(`DNS:${n}`)) && names.includes("IP Address:127.0.0.1");
    return covered && fresh(cert) && cert.checkIssued(caCert) && cert.verify(caCert.publicKey) && cert.checkPrivateKey(createPrivateKey(pair.keyPem));
  } catch {
    return false;
  }
}

/**
 * Makes sure `dir` (default `.secure-defaults` under the working directory) holds a development CA and a
 * serving certificate for localhost / 127.0.0.1 / ::1 signed by it; creates or renews what is missing,
 * expiring or does not match. Private keys are written with mode 0600.
 */
export async function ensureDevelopmentCertificates(dir: string = DEV_CERT_DIR): Promise<DevelopmentCertificates> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const paths = {
    caCertPath: join(root, PEM_FILES.caCert),
    caKeyPath: join(root, PEM_FILES.caKey),
    certPath: join(root, PEM_FILES.cert),
    keyPath: join(root, PEM_FILES.key),
  };
  let created: DevelopmentCertificates["created"] = "none";
  let ca = readCertificateAndKey(paths.caCertPath, paths.caKeyPath);
  if (!ca || !usableCa(ca)) {
    ca = await createCertificateAuthority({ commonName: "secure-defaults development CA" });
    writeCertificateAndKey(paths.caCertPath, paths.caKeyPath, ca);
    created = "all";
  }
  if (created === "all" || !usableServing(readCertificateAndKey(paths.certPath, paths.keyPath), ca)) {
    const serving = await issueServingCertificate(ca, {
      commonName: "localhost",
      dnsNames: DEV_DNS_NAMES,
      ipAddresses: DEV_IP_ADDRESSES,
      days: 365,
    });
    writeCertificateAndKey(paths.certPath, paths.keyPath, serving);
    if (created === "none") created = "serving";
  }
  return { caCertPath: paths.caCertPath, certPath: paths.certPath, keyPath: paths.keyPath, created };
}
