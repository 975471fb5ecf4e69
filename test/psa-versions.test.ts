// Pod Security Admission by policy version (issue 10). First the independent evaluator
// (oracle/pod-security-standards.ts) against the upstream unit-test cases, each at its stated
// version, and the check set PSA's registry runs at each version. Then the shipped policies over copies
// of the upstream v1.37 fixtures (test/fixtures/psa/upstream): no Pod PSA admits is denied (but the one
// the kubelet refuses), nothing admitted fails PSA; pinned to older versions, nothing admitted fails PSA
// at that version. Last a fast-check property over generated Pods (the seed is printed).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { evaluate } from "../src/engine/evaluate.js";
import type { Policy } from "../src/engine/types.js";
import { loadPolicies } from "../src/policy/load.js";
import { randomPod, seeded } from "./support/generators.js";
import { kubeletRefuses } from "./support/kubelet.js";
import { checkPodSecurity, podOfObject, podSecurityChecks, runPodSecurityCheck, type PodSecurityLevel } from "../oracle/pod-security-standards.js";
import { measurePromise, readPsaFixtures } from "./support/psa-promise.js";

type Json = Record<string, unknown>;
const UPSTREAM = "test/fixtures/psa/upstream";
const LEVELS: readonly PodSecurityLevel[] = ["restricted", "baseline"];

interface UnitCase {
  source: string;
  name: string;
  check: string;
  version: string;
  pod: Json;
  allowed: boolean;
  reason?: string;
  detail?: string;
}

describe("PSA evaluator by policy version", () => {
  const cases = JSON.parse(readFileSync(`${UPSTREAM}/unit-cases.json`, "utf8")) as UnitCase[];

  describe(`upstream unit-test cases (${cases.length}, each at its version)`, () => {
    for (const c of cases) {
      it(`${c.check} ${c.version}: ${c.name}`, () => {
        const expected = c.allowed ? { allowed: true } : { allowed: false, reason: c.reason, detail: c.detail };
        assert.deepEqual(runPodSecurityCheck(c.check, c.pod, c.version), expected);
      });
    }
  });

  it("runs PSA's check set at each version (restricted checks replace baseline ones from their first version)", () => {
    const common = ["appArmorProfile", "hostNamespaces", "hostPorts", "privileged", "seLinuxOptions", "sysctls", "windowsHostProcess"];
    const baselineOnly = ["capabilities_baseline", "hostPathVolumes", "procMount", "seccompProfile_baseline"];
    const sets: [PodSecurityLevel, string, string[]][] = [
      ["baseline", "v1.0", [...common, ...baselineOnly]],
      ["baseline", "v1.33", [...common, ...baselineOnly]],
      ["baseline", "v1.34", [...common, ...baselineOnly, "hostProbesAndHostLifecycle"]],
      ["restricted", "v1.7", [...common, "capabilities_baseline", "procMount", "seccompProfile_baseline", "restrictedVolumes", "runAsNonRoot"]],
      ["restricted", "v1.8", [...common, "capabilities_baseline", "procMount", "seccompProfile_baseline", "restrictedVolumes", "runAsNonRoot", "allowPrivilegeEscalation"]],
      ["restricted", "v1.19", [...common, "capabilities_baseline", "procMount", "restrictedVolumes", "runAsNonRoot", "allowPrivilegeEscalation", "seccompProfile_restricted"]],
      ["restricted", "v1.22", [...common, "procMount", "restrictedVolumes", "runAsNonRoot", "allowPrivilegeEscalation", "seccompProfile_restricted", "capabilities_restricted"]],
      ["restricted", "v1.23", [...common, "procMount", "restrictedVolumes", "runAsNonRoot", "allowPrivilegeEscalation", "seccompProfile_restricted", "capabilities_restricted", "runAsUser"]],
      ["restricted", "v1.35", [...common, "hostProbesAndHostLifecycle", "procMount_restricted", "restrictedVolumes", "runAsNonRoot", "allowPrivilegeEscalation", "seccompProfile_restricted", "capabilities_restricted", "runAsUser"]],
    ];
    for (const [level, version, expected] of sets) assert.deepEqual(podSecurityChecks(level, version).sort(), [...expected].sort(), `${level} ${version}`);
    assert.deepEqual(podSecurityChecks("restricted", "latest"), podSecurityChecks("restricted", "v1.37"));
    assert.deepEqual(podSecurityChecks("restricted", "v1.40"), podSecurityChecks("restricted", "v1.37"), "newer versions clamp to the newest");
  });

  it("judges the same Pod differently on either side of a version boundary", () => {
    const userns = { spec: { hostUsers: false, securityContext: { runAsNonRoot: false }, containers: [{ name: "a", securityContext: { runAsUser: 0, procMount: "Unmasked" } }] } };
    assert.deepEqual(checkPodSecurity(userns, "baseline", { version: "v1.34" }).map((v) => v.check), ["procMount"]);
    assert.deepEqual(checkPodSecurity(userns, "baseline", { version: "v1.35" }), []);
    const restricted = (version: string) => checkPodSecurity(userns, "restricted", { version }).map((v) => v.check).sort();
    assert.deepEqual(restricted("v1.34"), ["allowPrivilegeEscalation", "capabilities_restricted", "procMount", "runAsNonRoot", "runAsUser", "seccompProfile_restricted"]);
    assert.deepEqual(restricted("v1.35"), ["allowPrivilegeEscalation", "capabilities_restricted", "procMount_restricted", "seccompProfile_restricted"]);
    const windows = { spec: { os: { name: "windows" }, securityContext: { runAsNonRoot: true }, containers: [{ name: "a" }] } };
    assert.deepEqual(checkPodSecurity(windows, "restricted", { version: "v1.24" }).map((v) => v.check).sort(), ["allowPrivilegeEscalation", "capabilities_restricted", "seccompProfile_restricted"]);
    assert.deepEqual(checkPodSecurity(windows, "restricted", { version: "v1.25" }), []);
  });
});

const shipped = (level: PodSecurityLevel): Policy[] => loadPolicies([`policies/${level}.yaml`]).policies;
const pinned = (policies: Policy[], version: number): Policy[] => policies.map((p) => ({ ...p, podSecurityStandardVersion: version }));

describe("shipped policies over the upstream PSA fixtures (copies of v1.37, test/fixtures/psa/upstream)", () => {
  const fixtures = readPsaFixtures(UPSTREAM);

  it("the evaluator agrees with every fixture's expected outcome", () => {
    assert.ok(fixtures.length >= 60, `only ${fixtures.length} fixtures`);
    assert.deepEqual(
      fixtures.filter((f) => (checkPodSecurity(f.pod, f.level).length === 0) !== (f.outcome === "pass")).map((f) => f.file),
      [],
    );
  });

  for (const level of LEVELS) {
    it(`policies/${level}.yaml denies no Pod PSA ${level} admits but the one the kubelet refuses, and admits nothing PSA refuses`, () => {
      const c = measurePromise(fixtures, shipped(level), level);
      assert.deepEqual(c.wronglyDenied, []);
      assert.deepEqual(c.wronglyAdmitted, []);
      assert.deepEqual(c.kubeletRefused, [
        'supplement-restricted-runAsUser-pass-100.json: container "initcontainer1" has runAsNonRoot true and runAsUser 0; container "container1" has runAsNonRoot true and runAsUser 0',
      ]);
      assert.equal(c.bothAdmit, c.psaAdmits - 1);
      assert.ok(c.bothRefuse > 20, `only ${c.bothRefuse} refused`);
    });
  }

  for (const level of LEVELS) {
    it(`policies/${level}.yaml pinned to older versions admits nothing PSA ${level} refuses at that version (fixtures and 150 generated Pods)`, function () {
      this.timeout(60_000);
      const pods = [...fixtures.map((f) => f.pod), ...VERSIONED_PODS, ...Array.from({ length: 150 }, (_, i) => withUserNamespaceOften(randomPod(seeded(i + 1), `p${i}`), i))];
      const failures: string[] = [];
      let admitted = 0;
      for (const version of [0, 7, 18, 19, 22, 23, 24, 25, 26, 28, 30, 31, 33, 34, 35, 36, 37]) {
        const policies = pinned(shipped(level), version);
        for (const pod of pods) {
          const result = evaluate(pod, policies, { operation: "CREATE" });
          if (!result.allowed) continue;
          admitted++;
          const bad = checkPodSecurity(podOfObject(result.object), level, { version });
          if (bad.length) failures.push(`v1.${version} ${(pod.metadata as Json)?.name}: ${JSON.stringify(bad)}`);
        }
      }
      assert.deepEqual(failures.slice(0, 5), []);
      assert.ok(admitted > 200, `only ${admitted} admitted`);
    });
  }
});

/** Pods on either side of the version boundaries: each sysctl PSA added, user-namespaced root and Unmasked, SELinux, probe hosts. */
const VERSIONED_PODS: Json[] = [
  ...["kernel.shm_rmid_forced", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_rmem", "net.ipv4.tcp_slow_start_after_idle"].map((name) => ({
    metadata: { name: `sysctl-${name}` },
    spec: { securityContext: { sysctls: [{ name, value: "1" }] }, containers: [{ name: "app", image: "app" }] },
  })),
  { metadata: { name: "userns-root" }, spec: { hostUsers: false, securityContext: { runAsUser: 0 }, containers: [{ name: "app", image: "app" }] } },
  { metadata: { name: "userns-unmasked" }, spec: { hostUsers: false, containers: [{ name: "app", image: "app", securityContext: { procMount: "Unmasked" } }] } },
  { metadata: { name: "selinux-engine" }, spec: { containers: [{ name: "app", image: "app", securityContext: { seLinuxOptions: { type: "container_engine_t" } } }] } },
  { metadata: { name: "probe-host" }, spec: { containers: [{ name: "app", image: "app", readinessProbe: { tcpSocket: { host: "db", port: 5432 } } }] } },
].map((p) => ({ apiVersion: "v1", kind: "Pod", ...p }));

/** Every third generated Pod runs in a user namespace. */
function withUserNamespaceOften(pod: Json, i: number): Json {
  if (i % 3 === 0) (pod.spec as Json).hostUsers = false;
  return pod;
}

// ---- property: PSA admits (and the kubelet would start) ⇒ the shipped policy admits -------------

const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
/** One of the values, each with its weight: `[[value, weight], ...]` (undefined = the field is unset). */
const pick = <T>(...choices: [T, number][]): fc.Arbitrary<T> => fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));

// Values weighted towards what PSA restricted admits, so that enough generated Pods pass it.
const securityContext = fc
  .record({
    runAsUser: pick<number | undefined>([undefined, 3], [1000, 1], [0, 2]),
    runAsGroup: pick<number | undefined>([undefined, 4], [1000, 1], [0, 1]),
    runAsNonRoot: pick<boolean | undefined>([undefined, 4], [true, 1], [false, 1]),
    allowPrivilegeEscalation: pick<boolean | undefined>([false, 5], [undefined, 1], [true, 1]),
    privileged: pick<boolean | undefined>([undefined, 8], [true, 1]),
    readOnlyRootFilesystem: pick<boolean | undefined>([undefined, 3], [true, 1]),
    procMount: pick<string | undefined>([undefined, 5], ["Default", 1], ["Unmasked", 2]),
    capabilities: pick<Json | undefined>([{ drop: ["ALL"] }, 5], [{ drop: ["ALL"], add: ["NET_BIND_SERVICE"] }, 1], [undefined, 1], [{ add: ["CHOWN"] }, 1], [{ drop: ["ALL"], add: ["SYS_ADMIN"] }, 1]),
    seccompProfile: pick<Json | undefined>([undefined, 6], [{ type: "RuntimeDefault" }, 1], [{ type: "Unconfined" }, 1]),
    seLinuxOptions: pick<Json | undefined>([undefined, 8], [{ type: "container_engine_t" }, 1], [{ type: "spc_t" }, 1]),
  })
  .map(compact);

const container = (name: string) =>
  fc
    .record({
      securityContext: pick<boolean>([true, 6], [false, 1]).chain((set) => (set ? securityContext : fc.constant(undefined))),
      ports: pick<Json[] | undefined>([undefined, 4], [[{ containerPort: 8080 }], 1]),
      livenessProbe: pick<Json | undefined>([undefined, 6], [{ httpGet: { port: 8080 } }, 1], [{ httpGet: { host: "10.0.0.1", port: 8080 } }, 1]),
    })
    .map((c) => compact({ name, image: "registry.example/app:1", ...c }));

const VOLUMES: Json[] = [{ emptyDir: {} }, { image: { reference: "registry.example/data:1" } }, {}, { configMap: { name: "c" } }, { hostPath: { path: "/etc" } }, { nfs: { server: "nfs", path: "/" } }];

const podArbitrary = fc
  .record({
    hostUsers: pick<boolean | undefined>([undefined, 2], [false, 3], [true, 1]),
    hostNetwork: pick<boolean | undefined>([undefined, 8], [true, 1]),
    securityContext: fc
      .record({
        runAsUser: pick<number | undefined>([undefined, 3], [1000, 1], [0, 2]),
        runAsNonRoot: pick<boolean | undefined>([true, 3], [undefined, 2], [false, 1]),
        seccompProfile: pick<Json | undefined>([{ type: "RuntimeDefault" }, 4], [undefined, 2], [{ type: "Localhost", localhostProfile: "p.json" }, 1], [{ type: "Unconfined" }, 1]),
        sysctls: pick<Json[] | undefined>([undefined, 6], [[{ name: "net.ipv4.tcp_rmem", value: "4096" }], 1], [[{ name: "kernel.msgmax", value: "1" }], 1]),
      })
      .map(compact),
    containers: fc.tuple(container("app"), fc.option(container("sidecar"), { nil: undefined, freq: 2 })).map(([a, b]) => (b ? [a, b] : [a])),
    initContainers: fc.option(container("init").map((c) => [c]), { nil: undefined, freq: 2 }),
    volumes: fc.subarray(VOLUMES, { maxLength: 2 }).map((vs) => (vs.length ? vs.map((v, i) => ({ name: `v${i}`, ...v })) : undefined)),
  })
  .map((spec) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "generated" }, spec: compact(spec) }));

/** What restricted.yaml holds stricter than PSA on purpose (README): a writable root filesystem, root groups outside a user namespace. */
function deliberatelyStricter(pod: Json, level: PodSecurityLevel): boolean {
  if (level !== "restricted") return false;
  const spec = pod.spec as Json;
  const contexts = [...((spec.initContainers as Json[]) ?? []), ...(spec.containers as Json[])].map((c) => (c.securityContext ?? {}) as Json);
  return contexts.some((sc) => sc.readOnlyRootFilesystem === false || (sc.runAsGroup === 0 && spec.hostUsers !== false));
}

/** The API server refuses procMount Unmasked outside a user namespace (pod validation); PSA is not asked. */
function apiServerRefuses(pod: Json): boolean {
  const spec = pod.spec as Json;
  const contexts = [...((spec.initContainers as Json[]) ?? []), ...(spec.containers as Json[])].map((c) => (c.securityContext ?? {}) as Json);
  return spec.hostUsers !== false && contexts.some((sc) => sc.procMount === "Unmasked");
}

describe("property: every Pod PSA admits and the kubelet would start, the shipped policy admits (fast-check)", () => {
  const seed = Number(process.env.PSA_PROPERTY_SEED ?? 20261203);
  const numRuns = 2000;
  for (const level of LEVELS) {
    it(`policies/${level}.yaml, ${numRuns} Pods, seed ${seed}`, function () {
      this.timeout(60_000);
      console.log(`      fast-check seed ${seed} (PSA_PROPERTY_SEED=${seed} to replay)`);
      const policies = shipped(level);
      let psaAdmitted = 0;
      let usernsRoot = 0;
      fc.assert(
        fc.property(podArbitrary, (pod) => {
          const result = evaluate(pod, policies, { operation: "CREATE" });
          if (result.allowed) {
            const bad = checkPodSecurity(result.object, level);
            assert.deepEqual(bad, [], "an admitted output passes PSA");
          }
          if (checkPodSecurity(pod, level).length || kubeletRefuses(pod) || deliberatelyStricter(pod, level) || apiServerRefuses(pod)) return;
          psaAdmitted++;
          const spec = pod.spec as Json;
          if (spec.hostUsers === false && JSON.stringify(spec).includes('"runAsUser":0')) usernsRoot++;
          assert.equal(result.allowed, true, `PSA ${level} admits, the policy denies: ${JSON.stringify(result.violations)}`);
        }),
        { seed, numRuns },
      );
      assert.ok(psaAdmitted >= 25, `only ${psaAdmitted} generated Pods pass PSA ${level}`);
      if (level === "restricted") assert.ok(usernsRoot >= 1, "no user-namespaced root Pod passed PSA restricted");
    });
  }
});
