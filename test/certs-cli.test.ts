// `secure-defaults certs`: a CA and serving certificate that verify and match the Service's names,
// and a kustomize overlay that renders into a consistent, schema-valid install with the TLS Secret
// and the caBundle; renewals keep the CA; bad flags exit 2.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../src/cli/certs.js";
import { bufferIo } from "./support/buffer-io.js";
import {
  BASE_DIR,
  REPO_ROOT,
  TLS_SECRET,
  assertConsistentInstall,
  only,
  render,
  serviceDnsNames,
  validateObject,
  type K8sObject,
} from "./support/manifests-render.js";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command in-process with a buffer io, capturing what it writes. */
async function certs(...argv: string[]): Promise<Captured> {
  const io = bufferIo();
  const code = await run(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

/** Runs the command through the `secure-defaults` program, in a child process. */
function certsProcess(...argv: string[]): Captured {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src", "cli", "main.ts"), "certs", ...argv], { encoding: "utf8", cwd: REPO_ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let renderedBase: K8sObject[] | undefined;
/** manifests/base rendered once (the tests compare against it and do not change it). */
function baseObjects(): K8sObject[] {
  return (renderedBase ??= render(BASE_DIR));
}

function sanDnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? "")
    .split(", ")
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4))
    .sort();
}

/** PEM blocks of a bundle, as certificates. */
function bundleCertificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
}

function verifiesAgainst(leaf: X509Certificate, ca: X509Certificate): boolean {
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

describe("secure-defaults certs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sd-certs-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const read = (f: string) => readFileSync(join(dir, f), "utf8");

  describe("options", () => {
    it("--help prints usage and exits 0", async () => {
      const r = await certs("--help");
      assert.equal(r.code, 0);
      for (const flag of ["--out", "--namespace", "--service", "--days", "--ca-days", "--rotate-ca", "--base", "--image", "--help"]) assert.ok(r.stdout.includes(flag), flag);
    });

    const bad: [string, string[], RegExp][] = [
      ["an unknown flag", ["--out", "x", "--bogus"], /Unknown option '--bogus'/],
      ["no --out", [], /--out DIR is required/],
      ["a positional argument", ["--out", "x", "extra"], /positional/i],
      ["--days that is not a number", ["--out", "x", "--days", "ten"], /--days must be a whole number/],
      ["--days 0", ["--out", "x", "--days", "0"], /--days must be a whole number/],
      ["--ca-days that is negative", ["--out", "x", "--ca-days", "-5"], /--ca-days/],
      ["a namespace that is not a DNS label", ["--out", "x", "--namespace", "Kube_System"], /--namespace must be a DNS label/],
      ["a service name that is too long", ["--out", "x", "--service", "s".repeat(64)], /--service must be a DNS label/],
      ["--base without a kustomization", ["--out", "x", "--base", "/nonexistent"], /--base \/nonexistent: no kustomization.yaml/],
      ["a flag without its value", ["--out"], /argument missing|--out/],
      ["an image reference that is not one", ["--out", "x", "--image", "Registry/Image:latest!"], /--image must be NAME\[:TAG\]/],
    ];
    for (const [what, argv, message] of bad) {
      it(`exits 2 with a clear message on ${what}`, async () => {
        const r = await certs(...argv.map((a) => (a === "x" ? join(dir, "out") : a)));
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /certs --help/);
        assert.ok(!existsSync(join(dir, "out")), "writes nothing");
      });
    }

    it("is reachable through the `secure-defaults` CLI", () => {
      const r = certsProcess("--help");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: secure-defaults certs/);
    });

    it("writes DIR through the `secure-defaults` CLI", () => {
      const r = certsProcess("--out", dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^created a new CA in .*ca\.crt/);
      assert.deepEqual(
        ["ca.crt", "ca.key", "tls.crt", "tls.key", "webhook-cabundle-patch.yaml", "kustomization.yaml", ".gitignore"].filter((f) => !existsSync(join(dir, f))),
        [],
      );
    });

    it("says which option is wrong and where the usage is, on stderr only", async () => {
      const r = await certs("--out", dir, "--days", "0");
      assert.deepEqual(r, {
        code: 2,
        stdout: "",
        stderr: 'secure-defaults certs: --days must be a whole number of days from 1 to 36500, got "0"\nRun "secure-defaults certs --help" for usage.\n',
      });
    });
  });

  describe("certificates", () => {
    it("writes a CA and a serving certificate for the Service's four DNS names that verifies against it", async () => {
      const r = await certs("--out", dir, "--namespace", "hooks", "--service", "psp", "--days", "30");
      assert.equal(r.code, 0, r.stderr);
      const ca = new X509Certificate(read("ca.crt"));
      const leaf = new X509Certificate(read("tls.crt"));
      assert.equal(ca.ca, true, "ca.crt is a CA");
      assert.equal(leaf.ca, false, "tls.crt is not a CA");
      assert.ok(verifiesAgainst(leaf, ca), "tls.crt is signed by ca.crt");
      assert.ok(ca.checkPrivateKey(createPrivateKey(read("ca.key"))), "ca.key belongs to ca.crt");
      assert.ok(leaf.checkPrivateKey(createPrivateKey(read("tls.key"))), "tls.key belongs to tls.crt");
      assert.deepEqual(sanDnsNames(leaf), ["psp", "psp.hooks", "psp.hooks.svc", "psp.hooks.svc.cluster.local"]);
      assert.ok(leaf.checkHost("psp.hooks.svc"), "valid for the name the API server uses");
      assert.deepEqual(leaf.keyUsage, ["1.3.6.1.5.5.7.3.1"], "extended key usage: TLS server authentication only");
      const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30.01, `valid for --days 30 (${days.toFixed(2)})`);
      assert.ok(Date.parse(ca.validTo) > Date.parse(leaf.validTo), "the CA outlives the serving certificate");
      const notAfter = new Date(Date.parse(leaf.validTo)).toISOString();
      assert.equal(
        r.stdout,
        [
          `created a new CA in ${join(dir, "ca.crt")} (keep ca.key: renewals reuse it)`,
          `issued ${join(dir, "tls.crt")} for psp, psp.hooks, psp.hooks.svc, psp.hooks.svc.cluster.local, valid until ${notAfter}`,
          "caBundle trusts this CA",
          `wrote ${join(dir, "webhook-cabundle-patch.yaml")} and ${join(dir, "kustomization.yaml")}`,
          "",
          `install or update:  kubectl apply -k ${dir}`,
          `renew before ${notAfter}: run this command again, then apply again`,
          "",
        ].join("\n"),
      );
      assert.equal(r.stderr, "");
      for (const key of ["ca.key", "tls.key"]) assert.equal(statSync(join(dir, key)).mode & 0o077, 0, `${key} is private to its owner`);
      assert.match(read(".gitignore"), /^\*\.key$/m, "keys are git-ignored");
    });

    it("verifies with openssl too, when openssl is installed", function () {
      if (spawnSync("openssl", ["version"]).status !== 0) this.skip();
      return certs("--out", dir).then((r) => {
        assert.equal(r.code, 0, r.stderr);
        const v = spawnSync("openssl", ["verify", "-CAfile", join(dir, "ca.crt"), "-purpose", "sslserver", join(dir, "tls.crt")], { encoding: "utf8" });
        assert.equal(v.status, 0, v.stdout + v.stderr);
        assert.match(v.stdout, /OK/);
      });
    });

    it("renewal (running again) reuses the CA, so the caBundle does not change", async () => {
      assert.equal((await certs("--out", dir)).code, 0);
      const [ca1, key1, tls1, patch1] = ["ca.crt", "ca.key", "tls.crt", "webhook-cabundle-patch.yaml"].map(read);
      const r = await certs("--out", dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /reused the CA/);
      assert.equal(read("ca.crt"), ca1);
      assert.equal(read("ca.key"), key1);
      assert.equal(read("webhook-cabundle-patch.yaml"), patch1);
      assert.notEqual(read("tls.crt"), tls1, "a fresh serving certificate");
      assert.ok(verifiesAgainst(new X509Certificate(read("tls.crt")), new X509Certificate(ca1)));
    });

    it("--rotate-ca makes a new CA and trusts old and new in the caBundle during the rollout", async () => {
      assert.equal((await certs("--out", dir)).code, 0);
      const oldCa = read("ca.crt");
      const r = await certs("--out", dir, "--rotate-ca");
      assert.equal(r.code, 0, r.stderr);
      assert.notEqual(read("ca.crt"), oldCa);
      assert.equal(read("ca-previous.crt"), oldCa);
      assert.equal(
        r.stdout.split("\n")[2],
        `caBundle trusts the new and the previous CA; once the new certificate is rolled out, delete ${join(dir, "ca-previous.crt")} and run this again`,
      );
      const bundle = bundleCertificates(caBundleOf(render(dir)));
      assert.deepEqual(bundle.map((c) => c.fingerprint256).sort(), [new X509Certificate(read("ca.crt")), new X509Certificate(oldCa)].map((c) => c.fingerprint256).sort());
      assert.ok(verifiesAgainst(new X509Certificate(read("tls.crt")), new X509Certificate(read("ca.crt"))));

      // Once the previous CA file is deleted, the next run trusts only the current CA again.
      rmSync(join(dir, "ca-previous.crt"));
      assert.equal((await certs("--out", dir)).code, 0);
      assert.equal(bundleCertificates(caBundleOf(render(dir))).length, 1);
    });

    it("fails (exit 1) with a clear message when ca.crt is there without ca.key", async () => {
      assert.equal((await certs("--out", dir)).code, 0);
      rmSync(join(dir, "ca.key"));
      const r = await certs("--out", dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /ca\.key does not/);
      assert.match(r.stderr, /--rotate-ca/);
    });

    it("fails (exit 1) when the existing CA would expire before the new serving certificate", async () => {
      assert.equal((await certs("--out", dir, "--days", "10", "--ca-days", "20")).code, 0);
      const r = await certs("--out", dir, "--days", "30");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /expires on .* before a 30-day serving certificate/);
    });

    it("fails (exit 1) when ca.key does not belong to ca.crt", async () => {
      assert.equal((await certs("--out", dir)).code, 0);
      const other = mkdtempSync(join(tmpdir(), "sd-certs-other-"));
      try {
        assert.equal((await certs("--out", other)).code, 0);
        writeFileSync(join(dir, "ca.key"), readFileSync(join(other, "ca.key")));
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
      const r = await certs("--out", dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /unusable CA/);
    });
  });

  describe("overlay", () => {
    for (const [label, ns, svc] of [
      ["the base's namespace and Service", "secure-defaults", "secure-defaults"],
      ["another namespace and Service name", "psp-webhook", "defaults"],
    ] as const) {
      describe(`for ${label} (${svc}.${ns})`, () => {
        // Written and rendered once: the tests below only read the overlay.
        let overlay: string;
        let objects: K8sObject[];
        before(async () => {
          overlay = mkdtempSync(join(tmpdir(), "sd-certs-overlay-"));
          const r = await certs("--out", overlay, "--namespace", ns, "--service", svc, "--base", BASE_DIR);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /kubectl apply -k/);
          objects = render(overlay);
        });
        after(() => rmSync(overlay, { recursive: true, force: true }));
        const readOverlay = (f: string) => readFileSync(join(overlay, f), "utf8");

        it("renders with kubectl kustomize into schema-valid objects", async () => {
          for (const o of objects) await assert.doesNotReject(validateObject(o), `${o.kind} ${o.metadata.name}`);
        });

        it("is a consistent install in that namespace, under that Service name", () => {
          assertConsistentInstall(objects, { namespace: ns, service: svc });
        });

        it("carries the TLS Secret the Deployment mounts, with the files written to DIR", () => {
          const secret = only(objects, "Secret", TLS_SECRET);
          assert.equal(secret.type, "kubernetes.io/tls");
          const data = (k: string) => Buffer.from(secret.data[k], "base64").toString("utf8");
          assert.equal(data("tls.crt"), readOverlay("tls.crt"));
          assert.equal(data("tls.key"), readOverlay("tls.key"));
          assert.equal(data("ca.crt"), readOverlay("ca.crt"));
        });

        it("sets the caBundle to the CA that signed the Secret's certificate, whose names match the rendered Service", () => {
          const bundle = bundleCertificates(caBundleOf(objects));
          assert.equal(bundle.length, 1);
          const secret = only(objects, "Secret", TLS_SECRET);
          const leaf = new X509Certificate(Buffer.from(secret.data["tls.crt"], "base64"));
          assert.ok(verifiesAgainst(leaf, bundle[0]), "the API server (trusting caBundle) accepts the webhook's certificate");
          const webhook = only(objects, "MutatingWebhookConfiguration").webhooks[0];
          const service = only(objects, "Service", webhook.clientConfig.service.name);
          assert.deepEqual(sanDnsNames(leaf), serviceDnsNames(service.metadata.name, service.metadata.namespace!).sort());
          assert.ok(leaf.checkHost(`${webhook.clientConfig.service.name}.${webhook.clientConfig.service.namespace}.svc`));
        });

        it("leaves the rest of the webhook configuration as in the base", () => {
          const base = only(baseObjects(), "MutatingWebhookConfiguration").webhooks[0];
          const webhook = structuredClone(only(objects, "MutatingWebhookConfiguration").webhooks[0]);
          delete webhook.clientConfig.caBundle;
          const expected = structuredClone(base);
          expected.clientConfig.service = { ...expected.clientConfig.service, name: svc, namespace: ns };
          expected.namespaceSelector.matchExpressions[1].values = expected.namespaceSelector.matchExpressions[1].values.map((v: string) =>
            v === "secure-defaults" ? ns : v,
          );
          assert.deepEqual(webhook, expected);
        });
      });
    }

    it("--image sets the webhook's image (registry port, tag, digest)", async () => {
      const digest = `sha256:${"ab".repeat(32)}`;
      for (const [ref, expected] of [
        ["registry.example.com:5000/sd/kube-secure-defaults:2.0.0", "registry.example.com:5000/sd/kube-secure-defaults:2.0.0"],
        [`ghcr.io/acme/sd@${digest}`, `ghcr.io/acme/sd@${digest}`],
      ]) {
        const r = await certs("--out", dir, "--image", ref);
        assert.equal(r.code, 0, r.stderr);
        const objects = render(dir);
        assert.equal(only(objects, "Deployment").spec.template.spec.containers[0].image, expected);
      }
    });

    it("without --image keeps the base's image", async () => {
      assert.equal((await certs("--out", dir)).code, 0);
      assert.equal(only(render(dir), "Deployment").spec.template.spec.containers[0].image, only(baseObjects(), "Deployment").spec.template.spec.containers[0].image);
    });

    it("finds the package's manifests/base by itself", async () => {
      const r = await certs("--out", dir);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotThrow(() => assertConsistentInstall(render(dir), { namespace: "secure-defaults", service: "secure-defaults" }));
    });
  });
});

function caBundleOf(objects: readonly K8sObject[]): string {
  const caBundle = only(objects, "MutatingWebhookConfiguration").webhooks[0].clientConfig.caBundle;
  assert.ok(caBundle, "caBundle is set");
  return Buffer.from(caBundle, "base64").toString("utf8");
}
