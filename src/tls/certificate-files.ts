// Certificates and keys on disk, as `serve` (development certificates) and `certs` keep them: the same
// file names, private keys readable by their owner only, and every file replaced atomically.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { CertificateAndKey } from "./certificates.js";

/** The file names of a CA and the serving certificate it signed (also the keys of a kubernetes.io/tls Secret). */
export const PEM_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  cert: "tls.crt",
  key: "tls.key",
} as const;

/** Writes a temporary file and renames it over `path`, so a reader (the webhook reloading) never sees half a file. */
export function writeFileAtomically(path: string, content: string, mode = 0o644): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, path);
}

/** Writes a key (mode 0600) and its certificate (0644). */
export function writeCertificateAndKey(certPath: string, keyPath: string, pair: CertificateAndKey): void {
  writeFileAtomically(keyPath, pair.keyPem, 0o600);
  writeFileAtomically(certPath, pair.certPem);
}

/** The certificate and key in these files, or undefined when either file is missing. */
export function readCertificateAndKey(certPath: string, keyPath: string): CertificateAndKey | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPem: readFileSync(certPath, "utf8"), keyPem: readFileSync(keyPath, "utf8") };
}
