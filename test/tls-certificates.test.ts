// Certificate issuance (CA + serving certificate: EC P-256, serverAuth, SANs), the CA check, the
// certificate files (atomic writes, private keys), the development certificates under
// .secure-defaults/, and the server's TLS floor (1.2).
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { PEM_FILES, readCertificateAndKey, writeCertificateAndKey, writeFileAtomically } from "../src/tls/certificate-files.js";
import { checkCertificateAuthority, createCertificateAuthority, issueServingCertificate } from "../src/tls/certificates.js";
import { ensureDevelopmentCertificates } from "../src/tls/dev-certs.js";
import { removeDir, SERVER_FIXTURES, startHarness, tempDir } from "./support/server-harness.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

describe("tls: certificate issuance", () => {
  it("creates an EC P-256 CA certificate", async () => {
    const ca = await createCertificateAuthority({ commonName: "my CA", days: 30 });
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, "CN=my CA");
    assert.ok(cert.checkIssued(cert) && cert.verify(cert.publicKey), "self-signed");
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.ok(cert.checkPrivateKey(createPrivateKey(ca.keyPem)));
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `${days} days`);
  });

  it("issues a serving certificate with SANs and the serverAuth usage, signed by the CA", async () => {
    const ca = await createCertificateAuthority();
    const serving = await issueServingCertificate(ca, {
      commonName: "secure-defaults.secure-defaults.svc",
      dnsNames: ["secure-defaults.secure-defaults.svc", "secure-defaults.secure-defaults.svc.cluster.local"],
      ipAddresses: ["127.0.0.1", "::1"],
    });
    const cert = new X509Certificate(serving.certPem);
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey));
    assert.equal(cert.subjectAltName, "DNS:secure-defaults.secure-defaults.svc, DNS:secure-defaults.secure-defaults.svc.cluster.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    assert.deepEqual(cert.keyUsage, [SERVER_AUTH]);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.ok(cert.checkPrivateKey(createPrivateKey(serving.keyPem)));
    assert.equal(cert.checkHost("secure-defaults.secure-defaults.svc"), "secure-defaults.secure-defaults.svc");
    assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
  });

  it("refuses requests it cannot honour", async () => {
    const ca = await createCertificateAuthority();
    await assert.rejects(issueServingCertificate(ca, { commonName: "x", dnsNames: [] }), /at least one DNS name or IP address/);
    await assert.rejects(issueServingCertificate(ca, { commonName: "x", dnsNames: ["x"], ipAddresses: ["localhost"] }), /"localhost" is not an IP address/);
    await assert.rejects(createCertificateAuthority({ days: 0 }), /whole number of days/);
    const leaf = await issueServingCertificate(ca, { commonName: "x", dnsNames: ["x"] });
    await assert.rejects(issueServingCertificate(leaf, { commonName: "y", dnsNames: ["y"] }), /not a CA/);
  });
});

describe("tls: checking a CA and its key", () => {
  it("returns the CA certificate when the key is its key", async () => {
    const ca = await createCertificateAuthority({ commonName: "checked CA" });
    assert.equal(checkCertificateAuthority(ca).subject, "CN=checked CA");
  });

  it("says what is wrong otherwise", async () => {
    const ca = await createCertificateAuthority();
    const other = await createCertificateAuthority();
    const leaf = await issueServingCertificate(ca, { commonName: "x", dnsNames: ["x"] });
    assert.throws(() => checkCertificateAuthority(leaf), { message: "it is not a CA certificate" });
    assert.throws(() => checkCertificateAuthority({ certPem: ca.certPem, keyPem: other.keyPem }), { message: "the key is not its key" });
    assert.throws(() => checkCertificateAuthority({ certPem: ca.certPem, keyPem: other.keyPem }, "ca.key"), { message: "ca.key is not its key" });
    assert.throws(() => checkCertificateAuthority({ certPem: "garbage", keyPem: ca.keyPem }));
  });
});

describe("tls: certificate files", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("sd-certfiles-");
  });
  afterEach(() => removeDir(dir));

  it("are named as in a kubernetes.io/tls Secret, plus the CA", () => {
    assert.deepEqual(PEM_FILES, { caCert: "ca.crt", caKey: "ca.key", cert: "tls.crt", key: "tls.key" });
  });

  it("are replaced atomically, leaving no temporary file, with the mode given", () => {
    const path = join(dir, "f.txt");
    writeFileAtomically(path, "one");
    writeFileAtomically(path, "two", 0o600);
    assert.equal(readFileSync(path, "utf8"), "two");
    assert.deepEqual(readdirSync(dir), ["f.txt"]);
    // The new file replaces the old one, so it has the mode of the last write.
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it("keep a key readable by its owner only, and read back as the pair written", () => {
    const pair = { certPem: "CERT", keyPem: "KEY" };
    writeCertificateAndKey(join(dir, "tls.crt"), join(dir, "tls.key"), pair);
    assert.equal(statSync(join(dir, "tls.key")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "tls.crt")).mode & 0o777, 0o644 & ~process.umask());
    assert.deepEqual(readCertificateAndKey(join(dir, "tls.crt"), join(dir, "tls.key")), pair);
  });

  it("read as nothing when the certificate or the key is missing", () => {
    writeFileSync(join(dir, "only.crt"), "CERT");
    assert.equal(readCertificateAndKey(join(dir, "only.crt"), join(dir, "missing.key")), undefined);
    assert.equal(readCertificateAndKey(join(dir, "missing.crt"), join(dir, "only.crt")), undefined);
  });
});

describe("tls: development certificates", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("sd-devcerts-");
  });
  afterEach(() => removeDir(dir));

  it("creates a CA and a localhost certificate on first use, with private keys readable by the owner only", async () => {
    const certs = await ensureDevelopmentCertificates(join(dir, ".secure-defaults"));
    assert.equal(certs.created, "all");
    assert.equal(certs.caCertPath, join(dir, ".secure-defaults", "ca.crt"));
    const cert = new X509Certificate(readFileSync(certs.certPath));
    assert.ok(cert.checkIssued(new X509Certificate(readFileSync(certs.caCertPath))));
    assert.equal(cert.subjectAltName, "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    assert.equal(statSync(certs.keyPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, ".secure-defaults", "ca.key")).mode & 0o777, 0o600);
  });

  it("reuses them on the next start, so a trusted CA stays trusted", async () => {
    const first = await ensureDevelopmentCertificates(join(dir, "certs"));
    const ca = readFileSync(first.caCertPath, "utf8");
    const cert = readFileSync(first.certPath, "utf8");
    const again = await ensureDevelopmentCertificates(join(dir, "certs"));
    assert.equal(again.created, "none");
    assert.equal(readFileSync(again.caCertPath, "utf8"), ca);
    assert.equal(readFileSync(again.certPath, "utf8"), cert);
  });

  it("re-issues a missing serving certificate from the same CA, and replaces a broken CA", async () => {
    const first = await ensureDevelopmentCertificates(join(dir, "certs"));
    const ca = readFileSync(first.caCertPath, "utf8");
    unlinkSync(first.certPath);
    const reissued = await ensureDevelopmentCertificates(join(dir, "certs"));
    assert.equal(reissued.created, "serving");
    assert.equal(readFileSync(reissued.caCertPath, "utf8"), ca);
    writeFileSync(first.caCertPath, "garbage");
    const replaced = await ensureDevelopmentCertificates(join(dir, "certs"));
    assert.equal(replaced.created, "all");
    assert.ok(new X509Certificate(readFileSync(replaced.certPath)).checkIssued(new X509Certificate(readFileSync(replaced.caCertPath))));
  });
});

describe("tls: the server speaks TLS 1.2 or newer only", () => {
  function handshake(port: number, ca: string, version: "TLSv1.1" | "TLSv1.2" | "TLSv1.3"): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca, minVersion: version, maxVersion: version }, () => {
        const protocol = socket.getProtocol() ?? "";
        socket.end();
        resolve(protocol);
      });
      socket.on("error", reject);
    });
  }

  it("accepts TLS 1.2 and 1.3 and refuses TLS 1.1", async () => {
    const harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict" });
    try {
      const { port } = harness.webhook.address;
      const ca = harness.tls.ca.certPem;
      assert.equal(await handshake(port, ca, "TLSv1.3"), "TLSv1.3");
      assert.equal(await handshake(port, ca, "TLSv1.2"), "TLSv1.2");
      await assert.rejects(handshake(port, ca, "TLSv1.1"));
    } finally {
      await harness.close();
    }
  });

  it("refuses clients that do not trust its CA", async () => {
    const harness = await startHarness({ policies: [join(SERVER_FIXTURES, "policies")], defaultPolicy: "strict" });
    try {
      const other = await createCertificateAuthority();
      await assert.rejects(handshake(harness.webhook.address.port, other.certPem, "TLSv1.3"), /self[- ]signed|unable to verify|certificate/i);
    } finally {
      await harness.close();
    }
  });
});
