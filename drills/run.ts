// `npm run drills`: reliability drills against the production build, started as the Deployment runs it,
// on loopback only, bounded in count and time; every process it starts is killed by PID on any exit.
// Progress goes to stderr, the tables to stdout and to drills/work/report.md (and docs/reliability.md
// with --docs).
//
// Options (after `npm run drills --`):
//   --seed N           seed of the generated hostile requests (default 1313; printed, to replay a failure)
//   --quick            about a tenth of everything, for working on the drills (not for figures)
//   --soak-minutes N   length of the soak (default 10; 1 with --quick)
//   --only 1,3,5       run only these drills
//   --corpus DIR       real manifests (JSON files with an `object`); default ../shared/corpus/real-manifests
//   --docs             write the report into docs/reliability.md
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, installCleanup } from "../bench/lib/proc.js";
import { createCertificateAuthority } from "../src/tls/certificates.js";
import { costDrill } from "./cost.js";
import { faultsDrill } from "./faults.js";
import { hostileDrill } from "./hostile.js";
import { log, type DrillSettings, type Webhook } from "./lib/context.js";
import { servingFiles } from "./lib/fault-webhook.js";
import { startWebhookProcess } from "./lib/server.js";
import { markdownTable, type DrillRow } from "./lib/table.js";
import { slowClientsDrill } from "./slow-clients.js";
import { soakDrill } from "./soak.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORK = join(ROOT, "drills", "work");

function settings(): DrillSettings & { only: Set<number>; docs: boolean } {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      quick: { type: "boolean" },
      "soak-minutes": { type: "string" },
      only: { type: "string" },
      corpus: { type: "string" },
      docs: { type: "boolean" },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const seed = values.seed === undefined ? 1313 : Number(values.seed);
  const soakMinutes = values["soak-minutes"] === undefined ? (quick ? 1 : 10) : Number(values["soak-minutes"]);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  if (!(soakMinutes > 0 && soakMinutes <= 24 * 60)) throw new Error(`--soak-minutes must be from 1 to 1440, got ${values["soak-minutes"]}`);
  const corpusCandidates = values.corpus ? [resolve(values.corpus)] : [resolve(ROOT, "..", "shared", "corpus", "real-manifests"), "/work/shared/corpus/real-manifests"];
  const corpus = corpusCandidates.find((d) => existsSync(d));
  if (values.corpus && !corpus) throw new Error(`--corpus ${values.corpus}: no such folder`);
  const only = new Set((values.only ?? "1,2,3,4,5").split(",").map(Number));
  return { root: ROOT, work: WORK, seed, quick, soakMinutes, corpus, only, docs: values.docs ?? false };
}

/** The webhook for drills 1, 2 and 5: the shipped policies, the Deployment's args, no cluster. */
async function startMainWebhook(s: DrillSettings, again?: Webhook): Promise<Webhook> {
  const dir = join(s.work, "main");
  mkdirSync(dir, { recursive: true });
  const ca = again ? { certPem: again.endpoint.ca } : await createCertificateAuthority({ commonName: "drills CA", days: 2 });
  if (!again) {
    const files = await servingFiles(ca as Awaited<ReturnType<typeof createCertificateAuthority>>);
    writeFileSync(join(dir, "tls.crt"), files["tls.crt"]);
    writeFileSync(join(dir, "tls.key"), files["tls.key"]);
  }
  const port = again?.endpoint.port ?? (await freePort());
  const proc = await startWebhookProcess(s.root, { policies: join(s.root, "policies"), certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key"), ca: ca.certPem }, port, join(dir, again ? `webhook-${Date.now()}.log` : "webhook.log"));
  log(`webhook pid ${proc.pid} on 127.0.0.1:${port}: NODE_OPTIONS=${proc.nodeOptions} serve ${proc.args.join(" ")}`);
  return { endpoint: { host: "127.0.0.1", port, ca: ca.certPem }, process: proc };
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}; load average at start ${loadavg().map((x) => x.toFixed(2)).join(" ")}`;
}

function updateDocs(report: string): void {
  const file = join(ROOT, "docs", "reliability.md");
  const text = readFileSync(file, "utf8");
  const begin = "<!-- drills:begin -->";
  const end = "<!-- drills:end -->";
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${begin} / ${end} not found`);
  writeFileSync(file, `${text.slice(0, a + begin.length)}\n${report}\n${text.slice(b)}`);
}

async function main(): Promise<number> {
  installCleanup();
  const s = settings();
  mkdirSync(WORK, { recursive: true });
  const started = new Date();
  const command = `npm run drills --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
  log(`seed ${s.seed}${s.quick ? " (quick)" : ""}; replay with --seed ${s.seed}`);
  const rows: DrillRow[] = [];
  let costTable = "";
  const t0 = Date.now();
  // The rows so far, after every drill: a run cut short still leaves its figures.
  const partial = () => writeFileSync(join(WORK, "rows.json"), `${JSON.stringify(rows, null, 2)}\n`);
  if ([1, 2, 5].some((d) => s.only.has(d))) {
    let w = await startMainWebhook(s);
    // A drill that took the webhook down is in its row; the next drill gets a new one.
    const alive = async () => {
      if (w.process.alive()) return w;
      log(`the webhook is down (${w.process.state()}): starting a new one for the next drill`);
      w = await startMainWebhook(s);
      return w;
    };
    try {
      if (s.only.has(1)) rows.push(...(await hostileDrill(s, w, async () => (w = await startMainWebhook(s, w)))));
      partial();
      if (s.only.has(2)) rows.push(...(await slowClientsDrill(s, await alive())));
      partial();
      if (s.only.has(5)) {
        const c = await costDrill(s, await alive());
        rows.push(...c.rows);
        costTable = c.table;
        writeFileSync(join(WORK, "cost.md"), `${costTable}\n`);
      }
      partial();
    } finally {
      await w.process.stop();
    }
  }
  if (s.only.has(3)) rows.push(...(await faultsDrill(s)));
  partial();
  if (s.only.has(4)) rows.push(...(await soakDrill(s)));
  const minutes = ((Date.now() - t0) / 60_000).toFixed(1);

  const report = [
    `Run ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, \`${command}\`, seed ${s.seed}, ${minutes} min${s.quick ? " (quick: not for figures)" : ""}.`,
    `Machine: ${machine()}.`,
    "",
    markdownTable(rows),
    ...(costTable ? ["", "Drill 5, time per request against list length (`/mutate`, one at a time):", "", costTable] : []),
  ].join("\n");
  process.stdout.write(`${report}\n`);
  writeFileSync(join(WORK, "report.md"), `${report}\n`);
  writeFileSync(join(WORK, "results.json"), `${JSON.stringify({ started, command, seed: s.seed, rows }, null, 2)}\n`);
  if (s.docs) updateDocs(report);
  const failed = rows.filter((r) => !r.drill.startsWith("1 hostile: ") || r.drill === "1 hostile: all").reduce((n, r) => n + r.failed, 0);
  log(`done: ${failed} failed answers in all drills; report in drills/work/report.md`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`drills: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
