// Certificate issuance for the webhook: a small CA and serving certificates signed by it (EC P-256,
// ECDSA with SHA-256). Used by `serve` for local development certificates and by `certs` for clusters.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { generate } from "selfsigned";

export interface CertificateAndKey {
  /** PEM certificate. */
  certPem: string;
  /** PEM private key (PKCS#8, unencrypted). */
  keyPem: string;
}

export interface CertificateAuthorityOptions {
  /** Subject common name; default `secure-defaults-ca`. */
  commonName?: string;
  /** Validity in days; default 3650. */
  days?: number;
}

export interface ServingCertificateOptions {
  commonName: string;
  /** DNS subject alternative names, e.g. `secure-defaults.secure-defaults.svc`, `localhost`. */
  dnsNames: string[];
  /** IP subject alternative names, e.g. `127.0.0.1`. */
  ipAddresses?: string[];
  /** Validity in days; default 365. */
  days?: number;
}

/** Certificates are valid from a few minutes in the past, so a peer with a slightly slow clock accepts them. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

function validity(days: number): { notBeforeDate: Date; notAfterDate: Date } {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`certificate validity must be a whole number of days >= 1, got ${days}`);
  const now = Date.now();
  return { notBeforeDate: new Date(now - CLOCK_SKEW_MS), notAfterDate: new Date(now + days * DAY_MS) };
}

export async function createCertificateAuthority(opts: CertificateAuthorityOptions = {}): Promise<CertificateAndKey> {
  const commonName = opts.commonName ?? "secure-defaults-ca";
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    ...validity(opts.days ?? 3650),
    extensions: [
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

/** The certificate of a CA and its key, checked: a CA certificate, and `keyName` is its key. Throws what is wrong. */
export function checkCertificateAuthority(ca: CertificateAndKey, keyName = "the key"): X509Certificate {
  const cert = new X509Certificate(ca.certPem);
  if (!cert.ca) throw new Error("it is not a CA certificate");
  if (!cert.checkPrivateKey(createPrivateKey(ca.keyPem))) throw new Error(`${keyName} is not its key`);
  return cert;
}

export async function issueServingCertificate(ca: CertificateAndKey, opts: ServingCertificateOptions): Promise<CertificateAndKey> {
  if (opts.dnsNames.length === 0 && (opts.ipAddresses ?? []).length === 0) {
    throw new Error("a serving certificate needs at least one DNS name or IP address");
  }
  for (const ip of opts.ipAddresses ?? []) {
    if (isIP(ip) === 0) throw new Error(`"${ip}" is not an IP address`);
  }
  const caKeyType = createPrivateKey(ca.keyPem).asymmetricKeyType;
  if (caKeyType !== "ec") throw new Error(`the CA key must be an EC key (got ${caKeyType ?? "unknown"})`);
  if (!new X509Certificate(ca.certPem).ca) throw new Error("the CA certificate is not a CA (basicConstraints cA is false)");

  const pems = await generate([{ name: "commonName", value: opts.commonName }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    ...validity(opts.days ?? 365),
    ca: { key: ca.keyPem, cert: ca.certPem },
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          ...opts.dnsNames.map((value) => ({ type: 2 as const, value })),
          ...(opts.ipAddresses ?? []).map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
