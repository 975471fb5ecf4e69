// The CA that `certs` keeps in its directory, called directly: reuse, the checks of the files in the
// directory (each failure's exact message), rotation keeping the previous CA trusted until it expires,
// and the serving certificate for the Service's names. Times come from the certificates, not the clock.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CA_FILES,
  existingCertificateAuthority,
  keepPreviousCertificateAuthority,
  pemBundle,
  serviceDnsNames,
  trustedCertificateAuthorities,
  writeWebhookCertificates,
  type WebhookCertificateOptions,
} from "../src/tls/certificate-authority.js";
import { DAY_MS, createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "../src/tls/certificates.js";

const validTo = (pem: string) => Date.parse(new X509Certificate(pem).validTo);

describe("tls: the certs CA", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sd-ca-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const path = (f: string) => join(dir, f);
  const read = (f: string) => readFileSync(path(f), "utf8");
  const writeCa = (ca: CertificateAndKey) => {
    writeFileSync(path("ca.crt"), ca.certPem);
    writeFileSync(path("ca.key"), ca.keyPem);
  };

  it("keeps its files under these names", () => {
    assert.deepEqual(CA_FILES, { caCert: "ca.crt", caKey: "ca.key", cert: "tls.crt", key: "tls.key", previousCaCert: "ca-previous.crt" });
  });

  it("issues for the Service's four DNS names", () => {
    assert.deepEqual(serviceDnsNames("psp", "hooks"), ["psp", "psp.hooks", "psp.hooks.svc", "psp.hooks.svc.cluster.local"]);
  });

  it("bundles PEM certificates, each ending with a newline", () => {
    assert.equal(pemBundle(["A", "B\n", "C"]), "A\nB\nC\n");
    assert.equal(pemBundle([]), "");
  });

  describe("the CA already in the directory", () => {
    it("is none in an empty directory", () => {
      assert.equal(existingCertificateAuthority(dir, 30, 0), undefined);
    });

    it("is reused while it outlives the serving certificate", async () => {
      const ca = await createCertificateAuthority({ days: 20 });
      writeCa(ca);
      const tenDaysBeforeExpiry = validTo(ca.certPem) - 10 * DAY_MS;
      assert.deepEqual(existingCertificateAuthority(dir, 10, tenDaysBeforeExpiry), ca);
      assert.throws(() => existingCertificateAuthority(dir, 11, tenDaysBeforeExpiry), {
        message:
          `the CA in ${path("ca.crt")} expires on ${new Date(validTo(ca.certPem)).toISOString()}, before a 11-day serving certificate would: ` +
          "pass --rotate-ca to replace the CA, or fewer --days",
      });
    });

    it("is refused without its key, or its certificate", async () => {
      const ca = await createCertificateAuthority();
      writeFileSync(path("ca.crt"), ca.certPem);
      assert.throws(() => existingCertificateAuthority(dir, 1, 0), {
        message: `${path("ca.crt")} exists but ${path("ca.key")} does not: without the CA key the CA cannot sign a new certificate; pass --rotate-ca to replace the CA`,
      });
      rmSync(path("ca.crt"));
      writeFileSync(path("ca.key"), ca.keyPem);
      assert.throws(() => existingCertificateAuthority(dir, 1, 0), {
        message: `${path("ca.key")} exists but ${path("ca.crt")} does not; pass --rotate-ca to replace the CA`,
      });
    });

    it("is refused when it is not a CA, or ca.key is not its key", async () => {
      const ca = await createCertificateAuthority();
      const other = await createCertificateAuthority();
      writeCa(await issueServingCertificate(ca, { commonName: "x", dnsNames: ["x"] }));
      assert.throws(() => existingCertificateAuthority(dir, 1, 0), {
        message: `${path("ca.crt")}: unusable CA (it is not a CA certificate); pass --rotate-ca to replace it`,
      });
      writeCa({ certPem: ca.certPem, keyPem: other.keyPem });
      assert.throws(() => existingCertificateAuthority(dir, 1, 0), {
        message: `${path("ca.crt")}: unusable CA (ca.key is not its key); pass --rotate-ca to replace it`,
      });
    });
  });

  describe("rotation", () => {
    it("keeps the CA certificate as ca-previous.crt while it is valid", async () => {
      keepPreviousCertificateAuthority(dir, 0);
      assert.equal(existsSync(path("ca-previous.crt")), false, "no CA, nothing to keep");
      const ca = await createCertificateAuthority();
      writeCa(ca);
      keepPreviousCertificateAuthority(dir, validTo(ca.certPem));
      assert.equal(existsSync(path("ca-previous.crt")), false, "expired: not kept");
      keepPreviousCertificateAuthority(dir, validTo(ca.certPem) - 1);
      assert.equal(read("ca-previous.crt"), ca.certPem);
    });

    it("trusts the current CA, and the previous one until it expires", async () => {
      const current = (await createCertificateAuthority()).certPem;
      const previous = (await createCertificateAuthority({ days: 5 })).certPem;
      assert.deepEqual(trustedCertificateAuthorities(dir, current, 0), [current]);
      writeFileSync(path("ca-previous.crt"), previous);
      assert.deepEqual(trustedCertificateAuthorities(dir, current, validTo(previous) - 1), [current, previous]);
      assert.deepEqual(trustedCertificateAuthorities(dir, current, validTo(previous)), [current]);
      writeFileSync(path("ca-previous.crt"), `${current.trim()}\n\n`);
      assert.deepEqual(trustedCertificateAuthorities(dir, current, 0), [current], "the current CA once only");
    });
  });

  describe("writing the certificates", () => {
    const options: WebhookCertificateOptions = { dir: "", namespace: "hooks", service: "psp", days: 30, caDays: 60, rotateCa: false };

    it("creates a CA, then reuses it, then replaces it on rotateCa, trusting both", async () => {
      const first = await writeWebhookCertificates({ ...options, dir });
      const ca1 = read("ca.crt");
      assert.deepEqual(first, {
        dnsNames: ["psp", "psp.hooks", "psp.hooks.svc", "psp.hooks.svc.cluster.local"],
        createdCa: true,
        trustedCas: [ca1],
        servingNotAfter: new Date(validTo(read("tls.crt"))).toISOString(),
      });
      assert.equal(new X509Certificate(ca1).subject, "CN=psp.hooks-ca");
      assert.equal(new X509Certificate(read("tls.crt")).subject, "CN=psp.hooks.svc");

      const renewed = await writeWebhookCertificates({ ...options, dir });
      assert.deepEqual({ createdCa: renewed.createdCa, trustedCas: renewed.trustedCas }, { createdCa: false, trustedCas: [ca1] });
      assert.equal(read("ca.crt"), ca1);

      const rotated = await writeWebhookCertificates({ ...options, dir, rotateCa: true });
      const ca2 = read("ca.crt");
      assert.notEqual(ca2, ca1);
      assert.deepEqual({ createdCa: rotated.createdCa, trustedCas: rotated.trustedCas }, { createdCa: true, trustedCas: [ca2, ca1] });
      assert.equal(read("ca-previous.crt"), ca1);
    });

    it("refuses a CA shorter-lived than the serving certificate, and a directory that is a file", async () => {
      await assert.rejects(writeWebhookCertificates({ ...options, dir, caDays: 29 }), { message: "--ca-days (29) must be at least --days (30)" });
      assert.equal(existsSync(path("ca.crt")), false);
      writeFileSync(path("file"), "");
      await assert.rejects(writeWebhookCertificates({ ...options, dir: path("file") }), { message: `${path("file")} exists and is not a directory` });
    });
  });
});
