// A provider's `mutated` follows from what it wrote (the private copy compared with the input), its
// reasons from what the steps said: a property over generated Pods keeps the two in step, both ways and
// field by field. A step that writes without a reason, or gives a reason without writing (or writes an
// equal value), fails here. Pods are drawn with the shapes the steps branch on: null against unset,
// empty objects and lists, legacy seccomp and AppArmor annotations, mounts over the scratch path, a
// volume with the scratch volume's name, Windows Pods, ephemeral containers. Policies: the shipped ones
// (policies/*.yaml), the examples', and seeded random ones. fast-check; the seed is printed.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import fc from "fast-check";
import { withApiDefaults } from "../src/engine/api-defaults.js";
import { evaluate } from "../src/engine/evaluate.js";
import { FieldTypeError } from "../src/engine/field-types.js";
import { diff } from "../src/engine/patch.js";
import { privateCopy, unchanged } from "../src/engine/private-copy.js";
import { runProvider, type ProviderOutcome, type ProviderScope } from "../src/engine/provider.js";
import type { Pod, Policy } from "../src/engine/types.js";
import { loadPolicies } from "../src/policy/load.js";
import { randomPolicy, seeded } from "./support/generators.js";

type Json = Record<string, unknown>;

const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
/** One of the values, each equally likely (undefined = the field is unset). */
const oneOf = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

const SHIPPED: readonly Policy[] = loadPolicies(["policies"]).policies;
const EXAMPLES: readonly Policy[] = readdirSync("examples", { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    const file = `examples/${entry.name}/policy.yaml`;
    return readdirSync(`examples/${entry.name}`).includes("policy.yaml") ? loadPolicies([file]).policies : [];
  });
/** Random policies, half of them with the defaults the random generator leaves out (scratch space, SELinux, AppArmor). */
const RANDOM: readonly Policy[] = Array.from({ length: 24 }, (_, i) => {
  const policy = randomPolicy(seeded(1000 + i), `random-${i}`);
  if (i % 2 === 0) return policy;
  return {
    ...policy,
    readOnlyRootFilesystem: true,
    volumes: i % 4 === 1 ? ["*"] : policy.volumes,
    scratchSpace: [{ path: "/tmp", volumeName: "scratch-tmp" }, { path: "/var/tmp", volumeName: "scratch-var-tmp", sizeLimit: "1Gi" }],
    seLinux: { rule: "MustRunAs" as const, seLinuxOptions: { level: "s0:c1,c2", type: "container_t" } },
    appArmor: { defaultProfile: "runtime/default" },
  };
});

const capabilities = oneOf<unknown>(undefined, null, {}, { drop: ["ALL"] }, { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }, { add: ["CHOWN"] }, { drop: ["all"] }, { add: null, drop: null });
const seccompProfile = oneOf<unknown>(undefined, null, { type: "RuntimeDefault" }, { type: "Unconfined" }, { type: "Localhost", localhostProfile: "p.json" }, { type: "Localhost" });
const seLinuxOptions = oneOf<unknown>(undefined, null, {}, { type: "container_t" }, { level: "s0:c2,c1", type: "container_t" });

const containerContext = fc
  .record({
    runAsUser: oneOf<unknown>(undefined, undefined, null, 0, 1000),
    runAsGroup: oneOf<unknown>(undefined, undefined, null, 0, 1000),
    runAsNonRoot: oneOf<unknown>(undefined, undefined, null, true, false),
    allowPrivilegeEscalation: oneOf<unknown>(undefined, null, true, false),
    privileged: oneOf<unknown>(undefined, undefined, null, false, true),
    readOnlyRootFilesystem: oneOf<unknown>(undefined, null, true, false),
    procMount: oneOf<unknown>(undefined, undefined, "Default", "Unmasked"),
    capabilities,
    seccompProfile,
    appArmorProfile: oneOf<unknown>(undefined, undefined, { type: "RuntimeDefault" }, { type: "Unconfined" }),
    seLinuxOptions,
  })
  .map(compact);

const podContext = fc
  .record({
    runAsUser: oneOf<unknown>(undefined, undefined, null, 0, 1000),
    runAsNonRoot: oneOf<unknown>(undefined, undefined, null, true, false),
    fsGroup: oneOf<unknown>(undefined, null, 0, 1, 1000, 2000),
    supplementalGroups: oneOf<unknown>(undefined, null, [], [1], [100]),
    seccompProfile,
    seLinuxOptions,
  })
  .map(compact);

const MOUNTS = [undefined, [], [{ name: "data", mountPath: "/tmp" }], [{ name: "data", mountPath: "/" }], [{ name: "data", mountPath: "/var" }], [{ name: "data", mountPath: "/tmp/" }], [{ name: "data", mountPath: "/tmp/cache" }]];

const container = (name: string) =>
  fc
    .record({
      securityContext: fc.oneof(oneOf<unknown>(undefined, null, {}), containerContext, containerContext),
      volumeMounts: oneOf<unknown>(...MOUNTS),
    })
    .map((c) => compact({ name, image: "registry.example/app:1", ...c }));

const VOLUMES = [undefined, [], [{ name: "data", emptyDir: {} }], [{ name: "scratch-tmp", emptyDir: {} }], [{ name: "data", hostPath: { path: "/var/log" } }], [{ name: "data" }]];

const ANNOTATIONS: [string, fc.Arbitrary<string>][] = [
  ["seccomp.security.alpha.kubernetes.io/pod", oneOf("runtime/default", "", "unconfined", "localhost/p.json", "bogus")],
  ["container.seccomp.security.alpha.kubernetes.io/app", oneOf("runtime/default", "", "docker/default", "bogus")],
  ["container.apparmor.security.beta.kubernetes.io/app", oneOf("runtime/default", "", "unconfined")],
];
const annotations = fc
  .tuple(...ANNOTATIONS.map(([key, value]) => fc.option(value.map((v) => [key, v] as const), { nil: undefined })))
  .map((entries) => entries.filter((e) => e !== undefined))
  .map((entries) => (entries.length ? Object.fromEntries(entries) : undefined));

const podArbitrary = fc
  .record({
    annotations,
    spec: fc
      .record({
        os: oneOf<unknown>(undefined, undefined, { name: "linux" }, { name: "windows" }),
        hostUsers: oneOf<unknown>(undefined, undefined, false),
        hostNetwork: oneOf<unknown>(undefined, undefined, undefined, true),
        runtimeClassName: oneOf<unknown>(undefined, undefined, null, "gvisor", "runc"),
        securityContext: fc.oneof(oneOf<unknown>(undefined, null, {}), podContext, podContext),
        containers: fc.tuple(container("app"), fc.option(container("sidecar"), { nil: undefined })).map(([a, b]) => (b ? [a, b] : [a])),
        initContainers: fc.option(container("init").map((c) => [c]), { nil: undefined }),
        ephemeralContainers: fc.option(container("debug").map((c) => [{ ...c, targetContainerName: "app" }]), { nil: undefined, freq: 3 }),
        volumes: oneOf<unknown>(...VOLUMES),
      })
      .map(compact),
  })
  .map(({ annotations, spec }) => ({ apiVersion: "v1", kind: "Pod", metadata: compact({ name: "generated", annotations }), spec }) as unknown as Pod);

/** `spec.containers[0].securityContext` as a JSON Pointer: `/spec/containers/0/securityContext`. */
function pointer(path: string): string {
  return "/" + path.replace(/\[(\d+)\]/g, ".$1").split(".").join("/");
}

/** One pointer is the other, or inside it (a write may create a whole securityContext for one field). */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** What the outcome wrote (its copy against the input) matches what it said it did. */
function assertWritesMatchReasons(input: Pod, outcome: ProviderOutcome, context: string): void {
  const written = diff(input, outcome.pod).map((op) => op.path);
  const said = outcome.reasons.map((r) => pointer(r.path));
  const where = `${context}, policy ${outcome.policy.name}`;
  assert.equal(outcome.mutated, outcome.reasons.length > 0, `${where}: mutated ${outcome.mutated} with ${outcome.reasons.length} reasons; written: ${JSON.stringify(written)}`);
  for (const path of written) assert.ok(said.some((s) => overlaps(path, s)), `${where}: ${path} written without a reason; reasons: ${JSON.stringify(said)}`);
  for (const [i, path] of said.entries()) assert.ok(written.some((w) => overlaps(w, path)), `${where}: reason without a write: ${JSON.stringify(outcome.reasons[i])}`);
}

describe("engine property: mutated follows the writes, and every write has its reason (fast-check)", () => {
  const seed = Number(process.env.ENGINE_PROPERTY_SEED ?? 20261203);
  const numRuns = 500;
  const policies = [...SHIPPED, ...EXAMPLES, ...RANDOM];

  it(`${numRuns} Pods under ${SHIPPED.length} shipped, ${EXAMPLES.length} example and ${RANDOM.length} random policies, seed ${seed}`, function () {
    this.timeout(120_000);
    console.log(`      fast-check seed ${seed} (ENGINE_PROPERTY_SEED=${seed} to replay)`);
    assert.deepEqual(SHIPPED.map((p) => p.name), ["baseline", "privileged", "restricted"]);
    const seen = { mutated: 0, unchanged: 0, windows: 0, ephemeral: 0, scratch: 0, legacy: 0, refused: 0 };
    fc.assert(
      fc.property(podArbitrary, (raw) => {
        let result;
        try {
          result = evaluate(raw, policies, { operation: "CREATE" });
        } catch (error) {
          if (!(error instanceof FieldTypeError)) throw error;
          seen.refused++;
          return;
        }
        // The Pod as the providers see it: with the API server's defaults.
        const { pod } = withApiDefaults(raw);
        const scopes: ProviderScope[] = [{}];
        if (pod.spec?.ephemeralContainers) scopes.push({ ephemeralContainers: new Set([0]) });
        for (const scope of scopes) {
          for (const policy of policies) {
            const outcome = runProvider(pod, policy, scope);
            assertWritesMatchReasons(pod, outcome, `scope ${scope.ephemeralContainers ? "ephemeral" : "pod"}`);
            seen[outcome.mutated ? "mutated" : "unchanged"]++;
            if (pod.spec?.os?.name === "windows") seen.windows++;
            if (scope.ephemeralContainers) seen.ephemeral++;
            if (outcome.reasons.some((r) => r.field.startsWith("scratchSpace"))) seen.scratch++;
            if (outcome.reasons.some((r) => r.message.includes("legacy annotation"))) seen.legacy++;
          }
        }
        // The chosen outcome's `mutated` decides the patch (evaluate.ts): a change has its reasons, and back.
        if (result.allowed) assert.equal(result.patch.length > 0, result.reasons.length > 0, `patch ${JSON.stringify(result.patch)}, reasons ${JSON.stringify(result.reasons)}`);
      }),
      { seed, numRuns },
    );
    // The generator must reach every branch named above, or the property proves little there.
    for (const [name, count] of Object.entries(seen)) if (name !== "refused") assert.ok(count >= 50, `only ${count} outcomes ${name}`);
  });
});

describe("engine private copy: unchanged", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "app", image: "nginx", securityContext: { runAsUser: 1 } }] } } as Pod;
  const container = (copy: Pod) => copy.spec!.containers[0] as unknown as Json;

  it("holds for the copy as made, and for equal values written into it", () => {
    assert.equal(unchanged(privateCopy(pod), pod), true);
    const copy = privateCopy(pod);
    container(copy).securityContext = { runAsUser: 1 };
    assert.equal(unchanged(copy, pod), true);
    assert.equal(unchanged(structuredClone(pod), pod), true);
  });

  it("fails for a changed value, an added or removed key, a longer list, and an object against a list or null", () => {
    const changes: ((copy: Pod) => void)[] = [
      (copy) => {
        (container(copy).securityContext as Json).runAsUser = 2;
      },
      (copy) => {
        (container(copy).securityContext as Json).runAsNonRoot = true;
      },
      (copy) => {
        delete (container(copy).securityContext as Json).runAsUser;
      },
      (copy) => {
        copy.spec!.containers = [...copy.spec!.containers, { name: "b", image: "nginx" }];
      },
      (copy) => {
        container(copy).securityContext = [];
      },
      (copy) => {
        container(copy).securityContext = null;
      },
      (copy) => {
        copy.spec!.runtimeClassName = "gvisor";
      },
    ];
    for (const [i, change] of changes.entries()) {
      const copy = privateCopy(pod);
      change(copy);
      assert.equal(unchanged(copy, pod), false, `change ${i}`);
    }
    assert.equal(unchanged([1, 2], [1, 2]), true);
    assert.equal(unchanged([{}], {}), false);
    assert.equal(unchanged({}, []), false);
    assert.equal(unchanged({ a: undefined }, { b: 1 }), false, "a key the input lacks, written as undefined");
  });
});
