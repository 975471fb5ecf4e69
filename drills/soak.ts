// Drill 4: soak. 300 requests/s for --soak-minutes (default 10) with a mix of Pod CREATEs in two
// namespaces, UPDATEs, ephemeral containers, denials and workloads through /preview, against the fault
// drills' webhook. RSS and heap at the start (after a warm-up) and the end, p99 per minute, errors.
import { admissionReview, pod, uid } from "../bench/lib/reviews.js";
import { log, sleep, type DrillSettings } from "./lib/context.js";
import type { DrillRequest } from "./lib/client.js";
import { startFaultWebhook } from "./lib/fault-webhook.js";
import { heapUsedMb } from "./lib/server.js";
import type { DrillRow } from "./lib/table.js";
import { startTraffic } from "./lib/traffic.js";

type Json = Record<string, unknown>;

/** The soak's requests, in a fixed rotation of 10: 5 Pod CREATEs, 1 UPDATE, 1 ephemeral container, 2 denials, 1 workload preview. */
export function soakRequest(i: number): DrillRequest {
  const ns = i % 2 === 0 ? "team-a" : "team-b";
  const review = admissionReview(ns, 1 + (i % 4), i) as { request: Json & { object: Json } };
  const id = uid(i);
  const slot = i % 10;
  if (slot === 5) {
    review.request.operation = "UPDATE";
    review.request.oldObject = structuredClone(review.request.object);
    review.request.options = { apiVersion: "meta.k8s.io/v1", kind: "UpdateOptions" };
  } else if (slot === 6) {
    const old = pod(ns, 2) as Json & { spec: Json };
    const next = structuredClone(old);
    next.spec.ephemeralContainers = [{ name: `debugger-${i}`, image: "busybox", stdin: true, tty: true, targetContainerName: "checkout" }];
    Object.assign(review.request, { operation: "UPDATE", subResource: "ephemeralcontainers", oldObject: old, object: next });
  } else if (slot === 7 || slot === 8) {
    const spec = review.request.object.spec as { containers: Json[]; hostNetwork?: boolean };
    spec.containers[0].securityContext = slot === 7 ? { privileged: true } : { capabilities: { add: ["SYS_ADMIN"] } };
    if (slot === 8) spec.hostNetwork = true;
  } else if (slot === 9) {
    const template = pod(ns, 2) as Json & { metadata: Json };
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: `web-${i % 50}`, namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: template.spec } } };
    return { path: "/preview", body: JSON.stringify({ object: deployment, namespace: ns }), kind: "workload preview" };
  }
  return { path: "/mutate?timeout=3s", body: JSON.stringify(review), uid: id, kind: slot === 7 || slot === 8 ? "denial" : slot === 5 ? "update" : slot === 6 ? "ephemeral" : "create" };
}

export async function soakDrill(s: DrillSettings): Promise<DrillRow[]> {
  const w = await startFaultWebhook(s.root, s.work, "soak");
  try {
    const minutes = s.soakMinutes;
    log(`drill 4: soak, ${minutes} min at 300/s`);
    const t = startTraffic(w.endpoint, { rate: 300, connections: 16, next: soakRequest });
    await sleep(Math.min(20_000, minutes * 60_000 * 0.1));
    const start = { rss: w.process.rssMb(), heap: await heapUsedMb(w.endpoint.port, w.endpoint.ca) };
    const samples: string[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < minutes * 60_000 - 20_000) {
      await sleep(Math.min(60_000, Math.max(0, minutes * 60_000 - 20_000 - (performance.now() - t0))));
      samples.push(`${w.process.rssMb()}/${await heapUsedMb(w.endpoint.port, w.endpoint.ca)}`);
    }
    const r = await t.stop();
    const end = { rss: w.process.rssMb(), heap: await heapUsedMb(w.endpoint.port, w.endpoint.ca) };
    return [
      {
        drill: `4 soak: ${minutes} min at 300/s`,
        sent: r.sent,
        wellFormed: r.wellFormed,
        failed: r.failed,
        process: w.process.state(),
        p99: r.p99,
        max: r.max,
        notes: `RSS ${start.rss} -> ${end.rss} MB, heap used ${start.heap} -> ${end.heap} MB (samples RSS/heap per minute: ${samples.join(", ")}); p99 per minute ms: ${r.p99PerMinute.map((x) => x.toFixed(1)).join(", ")}${r.samples.length ? `; ${r.samples.join("; ")}` : ""}`,
      },
    ];
  } finally {
    await w.close();
  }
}
