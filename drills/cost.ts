// Drill 5: cost per request against list length. For each list a Pod can carry (capabilities added and
// dropped, sysctls, supplemental groups, ports, volumes, mounts, containers, env entries), Pods with
// lengths up to what fits in the 3 MiB body, each sent 3 times one at a time while a small probe request
// is sent alongside; the median time, the probe's time, and the growth exponent between lengths
// (1 = linear, 2 = quadratic). Re-run alone with `npm run drills -- --only 5`.
import { admissionReview } from "../bench/lib/reviews.js";
import { problemWith } from "./lib/answers.js";
import { keepAliveAgent, send } from "./lib/client.js";
import { log, type DrillSettings, type Webhook } from "./lib/context.js";
import { plainTable, type DrillRow } from "./lib/table.js";
import { BODY_LIMIT } from "./hostile-requests.js";

type Json = Record<string, unknown>;
type Container = Json & { securityContext?: Json };

/** A Pod with one list made `n` long. */
export const LISTS: Record<string, (pod: Json & { spec: Json & { containers: Container[] } }, n: number) => void> = {
  "capabilities.add": (p, n) => (p.spec.containers[0].securityContext = { capabilities: { add: Array.from({ length: n }, (_, k) => `CAP${k}`) } }),
  "capabilities.drop": (p, n) => (p.spec.containers[0].securityContext = { capabilities: { drop: Array.from({ length: n }, (_, k) => `CAP${k}`) } }),
  sysctls: (p, n) => (p.spec.securityContext = { sysctls: Array.from({ length: n }, (_, k) => ({ name: `net.ipv4.x${k}`, value: "1" })) }),
  supplementalGroups: (p, n) => (p.spec.securityContext = { supplementalGroups: Array.from({ length: n }, (_, k) => 1000 + k) }),
  "ports (hostPort)": (p, n) => (p.spec.containers[0].ports = Array.from({ length: n }, (_, k) => ({ containerPort: 1 + (k % 65535), hostPort: 1 + (k % 65535), protocol: "TCP" }))),
  volumes: (p, n) => (p.spec.volumes = Array.from({ length: n }, (_, k) => ({ name: `v${k}`, emptyDir: {} }))),
  volumeMounts: (p, n) => {
    p.spec.volumes = Array.from({ length: n }, (_, k) => ({ name: `v${k}`, emptyDir: {} }));
    p.spec.containers[0].volumeMounts = Array.from({ length: n }, (_, k) => ({ name: `v${k}`, mountPath: `/m/${k}` }));
  },
  containers: (p, n) => (p.spec.containers = Array.from({ length: n }, (_, k) => ({ name: `c${k}`, image: "registry.example.com/app:1" }))),
  env: (p, n) => (p.spec.containers[0].env = Array.from({ length: n }, (_, k) => ({ name: `E${k}`, value: "v" }))),
};

function body(list: string, n: number): string {
  const review = admissionReview("team-a", 1, n) as { request: { object: Json & { spec: Json & { containers: Container[] } } } };
  LISTS[list](review.request.object, n);
  return JSON.stringify(review);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface CostPoint {
  list: string;
  n: number;
  kb: number;
  ms: number;
  probeMs: number;
  status: string;
  exponent?: number;
}

export async function costDrill(s: DrillSettings, w: Webhook): Promise<{ rows: DrillRow[]; table: string; points: CostPoint[] }> {
  const lengths = s.quick ? [1000, 4000, 16_000] : [1000, 4000, 16_000, 64_000];
  log(`drill 5: cost per list length (${lengths.join(", ")})`);
  const agent = keepAliveAgent(w.endpoint, 2);
  const probeBody = JSON.stringify(admissionReview("team-a", 3, 0));
  const points: CostPoint[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const problems: string[] = [];
  for (const list of Object.keys(LISTS)) {
    let previous: CostPoint | undefined;
    for (const n of lengths) {
      const text = body(list, n);
      if (text.length > BODY_LIMIT) break;
      const times: number[] = [];
      const probes: number[] = [];
      let status = "";
      for (let rep = 0; rep < 3; rep++) {
        const big = send(w.endpoint, agent, { path: "/mutate?timeout=10s", body: text }, 30_000);
        const probe = send(w.endpoint, agent, { path: "/mutate", body: probeBody });
        const [a, p] = await Promise.all([big, probe]);
        sent += 2;
        for (const x of [a, p]) {
          const problem = x.error ?? problemWith(x);
          if (problem) {
            failed++;
            if (problems.length < 5) problems.push(`${list} ${n}: ${problem}`);
          } else ok++;
        }
        times.push(a.ms);
        probes.push(p.ms);
        const r = a.status === 200 ? (JSON.parse(a.body) as { response?: { allowed?: boolean } }).response : undefined;
        status = a.status === 200 ? (r?.allowed ? "allowed" : "denied") : String(a.status);
      }
      const point: CostPoint = { list, n, kb: Math.round(text.length / 1024), ms: median(times), probeMs: median(probes), status };
      if (previous) point.exponent = Math.log(point.ms / previous.ms) / Math.log(n / previous.n);
      points.push(point);
      previous = point;
    }
  }
  agent.destroy();
  const fmt = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
  const table = plainTable(
    ["list", "length", "body KiB", "answer", "ms (median of 3)", "probe ms alongside", "growth exponent vs previous length"],
    points.map((p) => [p.list, p.n, p.kb, p.status, fmt(p.ms), fmt(p.probeMs), p.exponent === undefined ? "-" : p.exponent.toFixed(2)]),
  );
  const worst = points.reduce((a, b) => (b.ms > a.ms ? b : a), points[0]);
  const superLinear = points.filter((p) => (p.exponent ?? 0) > 1.5 && p.ms > 20).map((p) => `${p.list} (${p.n}: ${fmt(p.ms)} ms, exponent ${p.exponent!.toFixed(2)})`);
  return {
    points,
    table,
    rows: [
      {
        drill: "5 cost per list length",
        sent,
        wellFormed: ok,
        failed,
        process: w.process.state(),
        max: worst.ms,
        notes: `largest per-request time ${fmt(worst.ms)} ms (${worst.list}, length ${worst.n}, ${worst.kb} KiB); super-linear: ${superLinear.length ? superLinear.join(", ") : "none"}${problems.length ? `; ${problems.join("; ")}` : ""}`,
      },
    ],
  };
}
