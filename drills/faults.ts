// Drill 3: faults under 300 requests/s. A policy file replaced by garbage and restored; the policy folder
// swapped the way a ConfigMap volume swaps `..data` (through a generation with one broken file); the
// serving certificate rotated; the namespace watch dropped by the stub API server; SIGTERM. Every answer
// must be well-formed and come from a whole policy set (generations.ts), generations never going back.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { admissionReview, uid } from "../bench/lib/reviews.js";
import { httpsRequest } from "../bench/lib/proc.js";
import { log, sleep, type DrillSettings } from "./lib/context.js";
import { startFaultWebhook, type FaultWebhook } from "./lib/fault-webhook.js";
import { GenerationCheck, policyFiles, POLICY_LABEL } from "./lib/generations.js";
import type { DrillRow } from "./lib/table.js";
import { startTraffic, type TrafficOptions } from "./lib/traffic.js";

const NAMESPACES = [["team-a", "alpha"], ["team-b", "beta"]] as const;

/** 300/s of Pod CREATEs alternating between team-a (alpha) and team-b (beta), checked by generation. */
export function faultTraffic(check: GenerationCheck, rate = 300): TrafficOptions {
  const bodies = NAMESPACES.map(([ns]) => Array.from({ length: 8 }, (_, i) => admissionReview(ns, 3, i)));
  return {
    rate,
    connections: 16,
    next: (i) => {
      const [ns] = NAMESPACES[i % 2];
      const review = bodies[i % 2][i % 8] as { request: { uid: string } };
      review.request.uid = uid(i);
      return { path: "/mutate?timeout=3s", body: JSON.stringify(review), uid: uid(i), kind: ns };
    },
    check: (r, a, sentAt) => (a.status === 200 ? check.check(r.kind === "team-a" ? "alpha" : "beta", a.body, sentAt, performance.now()) : undefined),
  };
}

function fingerprint(w: FaultWebhook): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: w.endpoint.port, ca: w.endpoint.ca, servername: "localhost" }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on("error", (e) => resolve(`error: ${e.message}`));
  });
}

async function until(what: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await what()) return (performance.now() - t0) / 1000;
    await sleep(100);
  }
  return undefined;
}

export async function faultsDrill(s: DrillSettings): Promise<DrillRow[]> {
  const w = await startFaultWebhook(s.root, s.work, "faults");
  const rows: DrillRow[] = [];
  const seconds = s.quick ? 4 : 12;
  const phase = async (name: string, check: GenerationCheck, action: () => Promise<string>, opts: Partial<TrafficOptions> = {}, phaseSeconds = seconds) => {
    log(`drill 3: ${name}`);
    const t = startTraffic(w.endpoint, { ...faultTraffic(check), ...opts });
    const t0 = performance.now();
    const notes = await action();
    await sleep(Math.max(0, phaseSeconds * 1000 - (performance.now() - t0)));
    const r = await t.stop();
    const gens = [...check.seen].sort(([a], [b]) => a - b).map(([g, n]) => `gen ${g}: ${n}`).join(", ");
    rows.push({ drill: `3 faults: ${name}`, sent: r.sent, wellFormed: r.wellFormed, failed: r.failed, process: w.process.state(), p99: r.p99, max: r.max, notes: [notes, `answers by generation so far: ${gens}`, ...r.samples].filter(Boolean).join("; ") });
  };
  try {
    const check = new GenerationCheck();
    await phase("policy file garbage, then restored", check, async () => {
      const file = join(w.policies.current, "beta.yaml");
      const good = readFileSync(file, "utf8");
      await sleep(1000);
      writeFileSync(file, "spec: [unclosed\n\u0000\u00ff garbage: {");
      await sleep(seconds * 300);
      writeFileSync(file, good);
      return "beta.yaml overwritten in place with garbage, restored after " + (seconds * 0.3).toFixed(1) + " s";
    });
    await phase("ConfigMap ..data swap (via a broken generation)", check, async () => {
      await sleep(1000);
      w.policies.update({ ...policyFiles(2), "beta.yaml": "kind: PodSecurityPolicy\nspec: {privileged: maybe}\n" });
      await sleep(seconds * 300);
      w.policies.update(policyFiles(3));
      const swapped = await until(() => check.newest === 3, seconds * 500);
      return `..data swapped to generation 2 (beta broken: must be refused whole), then to 3; generation 3 served ${swapped === undefined ? "not within the phase" : `${swapped.toFixed(1)} s after the swap`}`;
    });
    await phase("TLS certificate rotated", check, async () => {
      const before = await fingerprint(w);
      await sleep(1000);
      await w.rotateCertificate();
      const after = await until(async () => (await fingerprint(w)) !== before, seconds * 700);
      return `Secret-style ..data swap of tls.crt/tls.key; new connections got the new certificate ${after === undefined ? "NOT within the phase" : `after ${after.toFixed(1)} s`}`;
    }, { reconnectMs: 1000 });
    await phase("namespace watch dropped by the API server", check, async () => {
      const lists = () => w.stub.requests.filter((r) => !r.watch).length;
      const listsBefore = lists();
      await sleep(1000);
      w.stub.watchStatus.push(410);
      w.stub.endWatches();
      w.stub.set("team-c", { [POLICY_LABEL]: "alpha" });
      const relisted = await until(() => lists() > listsBefore && w.stub.openWatches > 0, seconds * 800);
      const review = admissionReview("team-c", 1, 99);
      const seen = await until(async () => /"runAsUser":11\d\d/.test(Buffer.from(((JSON.parse((await httpsRequest(`https://127.0.0.1:${w.endpoint.port}/mutate`, w.endpoint.ca, "POST", JSON.stringify(review))).body) as { response?: { patch?: string } }).response?.patch ?? ""), "base64").toString()), 5000);
      return `watch ended, next watch answered 410 Gone; relisted and watching again ${relisted === undefined ? "NOT within the phase" : `after ${relisted.toFixed(1)} s`}; namespace team-c (created meanwhile) served by alpha ${seen === undefined ? "NOT" : "yes"}; team-a/team-b kept their last known labels`;
    });
    let exitNote = "";
    await phase("SIGTERM with traffic", check, async () => {
      await sleep(1000);
      const t0 = performance.now();
      process.kill(w.process.pid, "SIGTERM");
      const notReady = await until(async () => (await httpsRequest(`https://127.0.0.1:${w.endpoint.port}/readyz`, w.endpoint.ca).catch(() => ({ status: 0 }))).status === 503, 3000);
      void w.process.child.exited.then((how) => (exitNote = `exited (${how}) ${((performance.now() - t0) / 1000).toFixed(1)} s after SIGTERM`));
      return `readyz 503 ${notReady === undefined ? "NOT seen" : `after ${notReady.toFixed(1)} s`}; traffic kept going for 2 s of the Deployment's --shutdown-delay (5 s), as while the Endpoints drop the Pod`;
    }, {}, 3);
    await w.process.child.exited;
    rows[rows.length - 1].process = exitNote || w.process.state();
  } finally {
    await w.close();
  }
  return rows;
}
