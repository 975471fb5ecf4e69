// A throwaway CA and a serving certificate for 127.0.0.1/localhost, made with the machine's openssl.
// Every target serves the same certificate, so TLS costs the same everywhere.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./proc.js";

export interface BenchCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

export async function makeCertificates(dir: string): Promise<BenchCertificates> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => runCommand("openssl", args, { timeoutMs: 30_000 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await ssl("req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=bench-ca");
  await ssl("req", ...ec, "-keyout", f("tls.key"), "-out", f("tls.csr"), "-subj", "/CN=localhost");
  writeFileSync(f("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  await ssl("x509", "-req", "-in", f("tls.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial",
    "-out", f("tls.crt"), "-days", "2", "-extfile", f("ext.cnf"));
  return {
    caFile: f("ca.crt"),
    certFile: f("tls.crt"),
    keyFile: f("tls.key"),
    ca: readFileSync(f("ca.crt"), "utf8"),
    cert: readFileSync(f("tls.crt"), "utf8"),
    key: readFileSync(f("tls.key"), "utf8"),
  };
}
