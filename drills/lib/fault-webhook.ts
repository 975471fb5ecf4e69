// The webhook set up for the fault drills and the soak: policies in a ConfigMap-style folder (two
// policies, alpha and beta, bound by namespace label), the serving certificate in a Secret-style folder,
// namespace labels from the stub API server (team-a -> alpha, team-b -> beta), as the Deployment runs it.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../bench/lib/proc.js";
import { createCertificateAuthority, issueServingCertificate, type CertificateAndKey } from "../../src/tls/certificates.js";
import { StubApiServer } from "../../test/support/server-stub-apiserver.js";
import { ConfigMapVolume } from "./configmap-volume.js";
import type { Webhook } from "./context.js";
import { policyFiles, POLICY_LABEL } from "./generations.js";
import { startWebhookProcess } from "./server.js";

export interface FaultWebhook extends Webhook {
  policies: ConfigMapVolume;
  tls: ConfigMapVolume;
  ca: CertificateAndKey;
  stub: StubApiServer;
  /** Issues a new serving certificate from the same CA and swaps the TLS folder to it. */
  rotateCertificate(): Promise<void>;
  close(): Promise<void>;
}

export async function servingFiles(ca: CertificateAndKey): Promise<Record<string, string>> {
  const serving = await issueServingCertificate(ca, { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], days: 2 });
  return { "tls.crt": serving.certPem, "tls.key": serving.keyPem };
}

export async function startFaultWebhook(root: string, work: string, name: string): Promise<FaultWebhook> {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const policies = new ConfigMapVolume(join(dir, "policies"));
  policies.update(policyFiles(1));
  const ca = await createCertificateAuthority({ commonName: "drills CA", days: 2 });
  const tls = new ConfigMapVolume(join(dir, "tls"));
  tls.update(await servingFiles(ca));
  const stub = new StubApiServer();
  await stub.start();
  stub.set("team-a", { [POLICY_LABEL]: "alpha" });
  stub.set("team-b", { [POLICY_LABEL]: "beta" });
  const port = await freePort();
  const proc = await startWebhookProcess(
    root,
    { policies: policies.dir, certFile: join(tls.dir, "tls.crt"), keyFile: join(tls.dir, "tls.key"), ca: ca.certPem, kubeconfig: stub.kubeconfig(dir) },
    port,
    join(dir, "webhook.log"),
  );
  return {
    endpoint: { host: "127.0.0.1", port, ca: ca.certPem },
    process: proc,
    policies,
    tls,
    ca,
    stub,
    rotateCertificate: async () => tls.update(await servingFiles(ca)),
    close: async () => {
      await proc.stop();
      await stub.stop();
    },
  };
}
