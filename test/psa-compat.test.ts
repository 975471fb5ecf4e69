// The product promise, tested: what the engine admits with the shipped restricted policy passes Pod
// Security Admission (PSA) "restricted", and likewise baseline.yaml and PSA "baseline". The judge is an
// independent evaluator of the Pod Security Standards (oracle/pod-security-standards.ts), which
// is first tested here on hand-written fixtures (test/fixtures/psa/). Inputs: those fixtures (pass and
// fail), seeded generated Pods, and realistic workloads (whose pod template is checked).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { evaluate, type EvaluateOptions } from "../src/engine/evaluate.js";
import type { EvaluationResult, Policy } from "../src/engine/types.js";
import { loadPolicies } from "../src/policy/load.js";
import { randomPod, seeded } from "./support/generators.js";
import { checkPodSecurity, podOfObject, podSecurityChecks, type PodSecurityLevel } from "../oracle/pod-security-standards.js";

type Json = Record<string, unknown>;
const LEVELS: readonly PodSecurityLevel[] = ["restricted", "baseline"];
const FIXTURES = "test/fixtures/psa";
const SEEDS = 600;

// ---- fixtures ---------------------------------------------------------------------------------

interface Fixture {
  /** e.g. `restricted/runAsNonRoot.yaml#fail-pod-false` */
  id: string;
  level: PodSecurityLevel;
  outcome: "pass" | "fail";
  /** For fail: exactly the checks that must fail at `level`. */
  expect: string[];
  pod: Json;
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const level of LEVELS) {
    const dir = join(FIXTURES, level);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
      const check = basename(file, ".yaml");
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
        if (doc.errors.length) throw new Error(`${dir}/${file}: ${doc.errors[0].message}`);
        const pod = doc.toJS() as Json;
        const metadata = (pod.metadata ?? {}) as { name?: string; annotations?: Record<string, string> };
        const name = metadata.name ?? "";
        const outcome = name.startsWith("pass-") ? "pass" : name.startsWith("fail-") ? "fail" : undefined;
        if (!outcome) throw new Error(`${dir}/${file}: Pod "${name}" must be named pass-* or fail-*`);
        const annotated = metadata.annotations?.["psa.test/expect"];
        if (outcome === "fail" && !annotated && !podSecurityChecks(level).includes(check)) {
          throw new Error(`${dir}/${file}: ${name}: ${check} is no check at ${level}; annotate psa.test/expect`);
        }
        const expect = outcome === "pass" ? [] : annotated ? annotated.split(",").map((s) => s.trim()) : [check];
        out.push({ id: `${level}/${file}#${name}`, level, outcome, expect: expect.sort(), pod });
      }
    }
  }
  return out;
}

const fixtures = loadFixtures();

describe("Pod Security Standards evaluator (test/support) on hand-written fixtures", () => {
  for (const f of fixtures) {
    it(`${f.id}: ${f.outcome === "pass" ? "passes" : `fails ${f.expect.join(", ")}`}`, () => {
      const got = checkPodSecurity(f.pod, f.level);
      if (f.outcome === "pass") {
        assert.deepEqual(got, [], `expected no violation at ${f.level}`);
        if (f.level === "restricted") assert.deepEqual(checkPodSecurity(f.pod, "baseline"), [], "a restricted Pod must pass baseline");
      } else {
        assert.deepEqual(got.map((v) => v.check).sort(), f.expect, JSON.stringify(got));
      }
    });
  }

  it("has a failing fixture for every check at each level, and passing ones", () => {
    for (const level of LEVELS) {
      const failed = new Set(fixtures.filter((f) => f.level === level && f.outcome === "fail").flatMap((f) => f.expect));
      assert.deepEqual(podSecurityChecks(level).filter((c) => !failed.has(c)), [], `${level}: checks without a failing fixture`);
      assert.ok(fixtures.filter((f) => f.level === level && f.outcome === "pass").length >= 10, `${level}: too few passing fixtures`);
    }
  });

  it("words violations as PSA does: <reason> (<detail>)", () => {
    const byId = (id: string) => fixtures.find((f) => f.id === id)?.pod;
    const cases: [string, PodSecurityLevel, string][] = [
      ["baseline/hostPorts.yaml#fail-host-network-defaulted-port", "baseline", 'hostPort (container "app" uses hostPort 9100)'],
      ["restricted/runAsNonRoot.yaml#fail-unset-with-run-as-user", "restricted", 'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)'],
      ["restricted/capabilities_restricted.yaml#fail-drop-all-lower-case", "restricted", 'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])'],
      ["restricted/restrictedVolumes.yaml#fail-nfs", "restricted", 'restricted volume types (volume "share" uses restricted volume type "nfs")'],
      ["baseline/sysctls.yaml#fail-unsafe-sysctl", "baseline", "forbidden sysctls (net.core.somaxconn)"],
      ["baseline/appArmorProfile.yaml#fail-ephemeral-unconfined", "baseline", 'forbidden AppArmor profile (container "debug" must not set AppArmor profile type to "Unconfined")'],
    ];
    for (const [id, level, message] of cases) {
      const pod = byId(id);
      assert.ok(pod, `no fixture ${id}`);
      const check = id.slice(id.indexOf("/") + 1, id.indexOf(".yaml"));
      assert.deepEqual(checkPodSecurity(pod, level).filter((v) => v.check === check).map((v) => v.message), [message], id);
    }
  });

  it("evaluates without API defaulting when asked (as upstream's unit tests call a check)", () => {
    const pod = { spec: { hostNetwork: true, containers: [{ name: "a", ports: [{ containerPort: 80 }] }], volumes: [{ name: "v" }] } };
    assert.deepEqual(checkPodSecurity(pod, "restricted", { apiDefaults: false }).map((v) => v.check).sort(), ["allowPrivilegeEscalation", "capabilities_restricted", "hostNamespaces", "restrictedVolumes", "runAsNonRoot", "seccompProfile_restricted"]);
    assert.ok(checkPodSecurity(pod, "restricted").some((v) => v.check === "hostPorts"));
    assert.ok(!checkPodSecurity(pod, "restricted").some((v) => v.check === "restrictedVolumes"));
  });
});

// ---- realistic workloads ----------------------------------------------------------------------

const restrictedContainer = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

const WORKLOADS: Json[] = [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "nginx", namespace: "web", labels: { app: "nginx" } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "nginx" } },
      template: {
        metadata: { labels: { app: "nginx" } },
        spec: {
          containers: [
            {
              name: "nginx",
              image: "nginxinc/nginx-unprivileged:1.27",
              ports: [{ containerPort: 8080, name: "http" }],
              readinessProbe: { httpGet: { path: "/", port: "http" } },
              livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 20 },
              resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              volumeMounts: [
                { name: "cache", mountPath: "/var/cache/nginx" },
                { name: "run", mountPath: "/var/run" },
                { name: "conf", mountPath: "/etc/nginx/conf.d", readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: "cache", emptyDir: {} },
            { name: "run", emptyDir: { medium: "Memory" } },
            { name: "conf", configMap: { name: "nginx-conf" } },
          ],
        },
      },
    },
  },
  {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "db-migrate", namespace: "web" },
    spec: {
      backoffLimit: 2,
      template: {
        spec: {
          restartPolicy: "Never",
          serviceAccountName: "migrator",
          securityContext: { runAsUser: 10001, runAsGroup: 10001 },
          containers: [
            {
              name: "migrate",
              image: "registry.example/migrate:2.3",
              args: ["up"],
              env: [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "db", key: "url" } } }],
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "report", namespace: "web" },
    spec: {
      schedule: "0 3 * * *",
      jobTemplate: {
        spec: {
          template: {
            metadata: { annotations: { "container.apparmor.security.beta.kubernetes.io/report": "runtime/default" } },
            spec: {
              restartPolicy: "OnFailure",
              containers: [{ name: "report", image: "registry.example/report:1", securityContext: { runAsNonRoot: true, runAsUser: 1000 } }],
              volumes: [{ name: "tmp", emptyDir: {} }],
            },
          },
        },
      },
    },
  },
  {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "postgres", namespace: "db" },
    spec: {
      serviceName: "postgres",
      replicas: 1,
      selector: { matchLabels: { app: "postgres" } },
      template: {
        metadata: { labels: { app: "postgres" } },
        spec: {
          securityContext: { runAsUser: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "postgres",
              image: "postgres:16",
              ports: [{ containerPort: 5432, name: "pg" }],
              env: [{ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
              readinessProbe: { exec: { command: ["pg_isready", "-U", "postgres"] } },
              volumeMounts: [
                { name: "data", mountPath: "/var/lib/postgresql/data" },
                { name: "run", mountPath: "/var/run/postgresql" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "run", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } },
      ],
    },
  },
  {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "cache", namespace: "db" },
    spec: {
      serviceName: "cache",
      selector: { matchLabels: { app: "cache" } },
      template: {
        metadata: { labels: { app: "cache" } },
        spec: {
          containers: [{ name: "redis", image: "redis:7", securityContext: { runAsUser: 999, ...restrictedContainer }, volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    },
  },
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "app-with-init", namespace: "web", annotations: { "kubectl.kubernetes.io/default-container": "app" } },
    spec: {
      initContainers: [
        { name: "wait-db", image: "busybox:1.36", command: ["sh", "-c", "until nc -z db 5432; do sleep 1; done"] },
        { name: "log-shipper", image: "registry.example/shipper:1", restartPolicy: "Always", startupProbe: { httpGet: { path: "/ready", port: 2020 } } },
      ],
      containers: [
        {
          name: "app",
          image: "registry.example/app:1",
          ports: [{ containerPort: 8080 }],
          lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
          securityContext: { capabilities: { add: ["NET_BIND_SERVICE"] } },
        },
      ],
      ephemeralContainers: [{ name: "debugger", image: "busybox:1.36", stdin: true, tty: true, targetContainerName: "app" }],
      volumes: [{ name: "kube-api-access", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "kube-root-ca.crt" } }] } }],
    },
  },
];

/** The Pod PSA would see: the object itself, or the Pod a controller makes from its template. */
function podOf(object: unknown): Json {
  const pod = podOfObject(object);
  assert.ok(pod, `no Pod in ${JSON.stringify(object).slice(0, 200)}`);
  return pod;
}

/** A kubectl-debug style ephemeral container added to an admitted Pod, through pods/ephemeralcontainers. */
function withDebugContainer(pod: Json): Json {
  const copy = structuredClone(pod);
  const spec = copy.spec as Json;
  spec.ephemeralContainers = [...((spec.ephemeralContainers as unknown[]) ?? []), { name: "debug-xyz", image: "busybox:1.36", stdin: true, tty: true }];
  return copy;
}

// ---- the promise ------------------------------------------------------------------------------

interface Tally {
  evaluated: number;
  admitted: number;
  mutated: number;
  failures: string[];
}

function judge(tally: Tally, label: string, input: unknown, policies: Policy[], level: PodSecurityLevel, options: EvaluateOptions = { operation: "CREATE" }): EvaluationResult {
  const result = evaluate(input, policies, options);
  tally.evaluated++;
  if (!result.allowed) return result;
  tally.admitted++;
  if (result.patch.length) tally.mutated++;
  const violations = checkPodSecurity(podOf(result.object), level);
  if (violations.length) {
    tally.failures.push(`${label}: admitted (policy ${result.policy}) but fails PSA ${level}: ${JSON.stringify(violations)}\n    output pod spec: ${JSON.stringify(podOf(result.object).spec)}`);
  }
  return result;
}

const report = (tally: Tally, level: PodSecurityLevel) =>
  `${tally.failures.length} of ${tally.admitted} admitted fail PSA ${level}:\n  ${tally.failures.slice(0, 10).join("\n  ")}${tally.failures.length > 10 ? `\n  ... and ${tally.failures.length - 10} more` : ""}`;

const tally = (): Tally => ({ evaluated: 0, admitted: 0, mutated: 0, failures: [] });

for (const level of LEVELS) {
  describe(`policies/${level}.yaml: every admitted Pod passes PSA ${level}`, () => {
    const policies = loadPolicies([`policies/${level}.yaml`]).policies;

    it("the policy loads and asks for the Pod Security Standard", () => {
      assert.equal(policies.length, 1);
      assert.equal(policies[0].podSecurityStandard, level);
    });

    describe(`hand-written fixtures (${fixtures.length} Pods, pass and fail)`, () => {
      for (const f of fixtures) {
        it(f.id, () => {
          const t = tally();
          judge(t, f.id, f.pod, policies, level);
          assert.equal(t.failures.length, 0, report(t, level));
        });
      }

      it("admits a meaningful number of them, and denies some", () => {
        const t = tally();
        for (const f of fixtures) judge(t, f.id, f.pod, policies, level);
        assert.ok(t.admitted >= 20, `only ${t.admitted} of ${t.evaluated} fixtures admitted`);
        assert.ok(t.admitted < t.evaluated - 20, `${t.admitted} of ${t.evaluated} fixtures admitted: the policy rejects (almost) nothing?`);
      });
    });

    it(`generated Pods (${SEEDS} seeds)`, () => {
      const t = tally();
      for (let seed = 1; seed <= SEEDS; seed++) judge(t, `seed ${seed}`, randomPod(seeded(seed), `pod-${seed}`), policies, level);
      assert.equal(t.failures.length, 0, report(t, level));
      assert.ok(t.admitted >= SEEDS / 10, `only ${t.admitted} of ${SEEDS} generated Pods admitted`);
      assert.ok(t.mutated >= SEEDS / 20, `only ${t.mutated} of ${SEEDS} generated Pods mutated`);
    });

    it(`generated Windows Pods (${SEEDS} seeds, spec.os.name: windows)`, () => {
      const t = tally();
      for (let seed = 1; seed <= SEEDS; seed++) {
        const pod = randomPod(seeded(seed), `win-${seed}`);
        (pod.spec as Json).os = { name: "windows" };
        const result = judge(t, `windows seed ${seed}`, pod, policies, level);
        if (result.allowed) assert.ok(result.warnings.some((w) => w.startsWith("Windows Pod")), `windows seed ${seed}: no Windows warning`);
      }
      assert.equal(t.failures.length, 0, report(t, level));
      assert.ok(t.admitted >= SEEDS / 20, `only ${t.admitted} of ${SEEDS} generated Windows Pods admitted`);
    });

    it("realistic workloads (Deployment, Job, CronJob, StatefulSets with PVCs, Pod with init and ephemeral containers)", () => {
      const t = tally();
      const denied: string[] = [];
      for (const w of WORKLOADS) {
        const label = `${w.kind} ${(w.metadata as Json).name}`;
        const result = judge(t, label, w, policies, level);
        if (!result.allowed) denied.push(`${label}: ${JSON.stringify(result.violations)}`);
      }
      assert.equal(t.failures.length, 0, report(t, level));
      // These workloads ask for nothing either level forbids: all must be admitted (with defaults added).
      assert.deepEqual(denied, [], "workloads denied");
    });

    it("ephemeral containers added to admitted Pods (pods/ephemeralcontainers)", () => {
      const t = tally();
      const creation = tally();
      const inputs = [...fixtures.map((f) => [f.id, f.pod] as const), ...WORKLOADS.filter((w) => w.kind === "Pod").map((w) => [`Pod ${(w.metadata as Json).name}`, w] as const)];
      for (const [label, pod] of inputs) {
        const created = judge(creation, label, pod, policies, level);
        // An admitted Pod that already fails PSA is reported by the tests above, not again here.
        if (!created.allowed || checkPodSecurity(podOf(created.object), level).length) continue;
        const debugged = withDebugContainer(created.object as Json);
        const debugIndex = ((debugged.spec as Json).ephemeralContainers as unknown[]).length - 1;
        judge(t, `${label} + debug container`, debugged, policies, level, { operation: "UPDATE", ephemeralContainers: [debugIndex] });
      }
      assert.equal(t.failures.length, 0, report(t, level));
      assert.ok(t.admitted >= 10, `only ${t.admitted} of ${t.evaluated} debug containers admitted`);
    });
  });
}
