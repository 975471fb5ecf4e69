// Focused tests for the capability strategy, plus the denial messages that mutation makes unreachable
// through evaluate() (a value the step would have defaulted is missing), called on the steps directly.
import assert from "node:assert/strict";
import { compareBytewise } from "../src/engine/bytewise.js";
import { checkCapabilities, defaultCapabilities } from "../src/engine/capabilities.js";
import { containerViews } from "../src/engine/containers.js";
import { checkReadOnlyRootFilesystem } from "../src/engine/filesystem.js";
import { checkFsGroup, checkRunAsGroup, checkSupplementalGroups } from "../src/engine/groups.js";
import { checkAllowPrivilegeEscalation } from "../src/engine/privilege-escalation.js";
import { checkContainerSeLinux, checkPodSeLinux, equalLevels } from "../src/engine/selinux.js";
import type { ContainerStep, Findings, Pod, PodStep, Policy } from "../src/engine/types.js";
import { checkRunAsUser } from "../src/engine/users.js";
import { parsePolicies } from "../src/policy/load.js";

function policy(spec: Record<string, unknown>): Policy {
  const manifest = {
    apiVersion: "policy/v1beta1",
    kind: "PodSecurityPolicy",
    metadata: { name: "p" },
    spec: {
      seLinux: { rule: "RunAsAny" },
      runAsUser: { rule: "RunAsAny" },
      supplementalGroups: { rule: "RunAsAny" },
      fsGroup: { rule: "RunAsAny" },
      ...spec,
    },
  };
  const [loaded] = parsePolicies(JSON.stringify(manifest), "test").policies;
  return loaded;
}

function pod(containers: unknown[], securityContext?: unknown): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers, ...(securityContext ? { securityContext } : {}) } } as Pod;
}

function findings(): Findings {
  return { reasons: [], violations: [], warnings: [] };
}

/** Runs a container step on container 0 and returns what it found. */
function onFirst(step: ContainerStep, p: Pod, pol: Policy): Findings {
  const out = findings();
  step(containerViews(p)[0], p, pol, out);
  return out;
}

function onPod(step: PodStep, p: Pod, pol: Policy): Findings {
  const out = findings();
  step(p, pol, out);
  return out;
}

const C0 = "spec.containers[0].securityContext";

describe("capabilities strategy", () => {
  describe("ordering", () => {
    it("sorts byte-wise: upper case before lower case", () => {
      assert.deepEqual(["b", "B", "a", "A", "_"].sort(compareBytewise), ["A", "B", "_", "a", "b"]);
    });
    it("sorts by code point (UTF-8 byte order), not UTF-16 code unit", () => {
      assert.deepEqual(["\u{10000}", "\uFFFF"].sort(compareBytewise), ["\uFFFF", "\u{10000}"]);
      assert.deepEqual(["AB", "A"].sort(compareBytewise), ["A", "AB"]);
    });
  });

  describe("defaultCapabilities", () => {
    const pol = policy({ requiredDropCapabilities: ["ALL"], defaultAddCapabilities: ["SYS_TIME"] });

    it("leaves a container with nothing to add untouched, without creating a securityContext", () => {
      const p = pod([{ name: "a", image: "i" }]);
      const out = onFirst(defaultCapabilities, p, policy({}));
      assert.deepEqual(out.reasons, []);
      assert.equal("securityContext" in p.spec!.containers[0], false);
    });

    it("keeps null capabilities as null when nothing is required", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: null } }]);
      onFirst(defaultCapabilities, p, policy({ allowedCapabilities: ["NET_ADMIN"] }));
      assert.equal(p.spec!.containers[0].securityContext!.capabilities, null);
    });

    it("treats null lists as empty and rebuilds", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { add: null, drop: null } } }]);
      const out = onFirst(defaultCapabilities, p, pol);
      assert.deepEqual(p.spec!.containers[0].securityContext!.capabilities, { add: ["SYS_TIME"], drop: ["ALL"] });
      assert.deepEqual(out.reasons, [
        {
          path: `${C0}.capabilities`,
          field: "requiredDropCapabilities",
          message: "set capabilities to add [SYS_TIME], drop [ALL] (defaultAddCapabilities [SYS_TIME], requiredDropCapabilities [ALL])",
        },
      ]);
    });

    it("keeps the container's own adds, even ones that are not allowed (validation rejects them)", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { add: ["SYS_ADMIN", "SYS_ADMIN"] } } }]);
      onFirst(defaultCapabilities, p, pol);
      assert.deepEqual(p.spec!.containers[0].securityContext!.capabilities, { add: ["SYS_ADMIN", "SYS_TIME"], drop: ["ALL"] });
    });

    it("replaces the object instead of editing the user's lists in place", () => {
      const add = ["NET_ADMIN"];
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { add } } }]);
      onFirst(defaultCapabilities, p, pol);
      assert.deepEqual(add, ["NET_ADMIN"]);
    });

    it("is idempotent: a second run changes nothing", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { drop: ["b", "a", "b"] } } }]);
      onFirst(defaultCapabilities, p, pol);
      const once = structuredClone(p);
      const out = onFirst(defaultCapabilities, p, pol);
      assert.deepEqual(out.reasons, []);
      assert.deepEqual(p, once);
    });

    it("gives one reason per write, naming the default adds when only they contributed", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { drop: ["NET_RAW"] } } }]);
      const out = onFirst(defaultCapabilities, p, policy({ defaultAddCapabilities: ["SYS_TIME", "NET_BIND_SERVICE"] }));
      assert.deepEqual(out.reasons, [
        {
          path: `${C0}.capabilities`,
          field: "defaultAddCapabilities",
          message: "set capabilities to add [NET_BIND_SERVICE, SYS_TIME], drop [NET_RAW] (defaultAddCapabilities [SYS_TIME, NET_BIND_SERVICE])",
        },
      ]);
    });

    it("names the resulting lists sorted and de-duplicated", () => {
      const p = pod([{ name: "a", image: "i" }]);
      const out = onFirst(defaultCapabilities, p, policy({ requiredDropCapabilities: ["NET_RAW", "CHOWN", "CHOWN"] }));
      assert.deepEqual(out.reasons, [
        {
          path: `${C0}.capabilities`,
          field: "requiredDropCapabilities",
          message: "set capabilities to drop [CHOWN, NET_RAW] (requiredDropCapabilities [NET_RAW, CHOWN, CHOWN])",
        },
      ]);
      assert.deepEqual(p.spec!.containers[0].securityContext!.capabilities, { drop: ["CHOWN", "NET_RAW"] });
    });
  });

  describe("checkCapabilities", () => {
    it("reports every required drop that is missing, in policy order", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { drop: ["CHOWN"] } } }]);
      const out = onFirst(checkCapabilities, p, policy({ requiredDropCapabilities: ["NET_RAW", "CHOWN", "ALL"] }));
      assert.deepEqual(out.violations, [
        { policy: "p", path: `${C0}.capabilities.drop`, field: "requiredDropCapabilities", message: "NET_RAW is required to be dropped but was not found" },
        { policy: "p", path: `${C0}.capabilities.drop`, field: "requiredDropCapabilities", message: "ALL is required to be dropped but was not found" },
      ]);
    });

    it("requires a capabilities object when the policy adds or drops by default", () => {
      const p = pod([{ name: "a", image: "i" }]);
      assert.deepEqual(onFirst(checkCapabilities, p, policy({ defaultAddCapabilities: ["SYS_TIME"] })).violations, [
        { policy: "p", path: `${C0}.capabilities`, field: "defaultAddCapabilities", message: "required capabilities are not set on the securityContext" },
      ]);
      assert.deepEqual(onFirst(checkCapabilities, p, policy({ requiredDropCapabilities: ["ALL"] })).violations, [
        { policy: "p", path: `${C0}.capabilities`, field: "requiredDropCapabilities", message: "required capabilities are not set on the securityContext" },
      ]);
    });

    it("accepts no capabilities when the policy has no defaults", () => {
      const p = pod([{ name: "a", image: "i" }]);
      assert.deepEqual(onFirst(checkCapabilities, p, policy({ allowedCapabilities: ["NET_ADMIN"] })).violations, []);
    });

    it("allows adding a default capability without listing it in allowedCapabilities", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { add: ["SYS_TIME"] } } }]);
      assert.deepEqual(onFirst(checkCapabilities, p, policy({ defaultAddCapabilities: ["SYS_TIME"] })).violations, []);
    });

    it("reports a duplicated forbidden add once per occurrence", () => {
      const p = pod([{ name: "a", image: "i", securityContext: { capabilities: { add: ["X", "X"] } } }]);
      assert.equal(onFirst(checkCapabilities, p, policy({})).violations.length, 2);
    });
  });
});

describe("checks that mutation makes unreachable through evaluate()", () => {
  it("runAsUser MustRunAs without a uid", () => {
    const pol = policy({ runAsUser: { rule: "MustRunAs", ranges: [{ min: 1, max: 1 }] } });
    assert.deepEqual(onFirst(checkRunAsUser, pod([{ name: "a", image: "i" }]), pol).violations, [
      { policy: "p", path: `${C0}.runAsUser`, field: "runAsUser.rule", message: "runAsUser is required (runAsUser rule MustRunAs)" },
    ]);
  });

  it("runAsUser MustRunAsNonRoot with neither runAsNonRoot nor runAsUser", () => {
    const pol = policy({ runAsUser: { rule: "MustRunAsNonRoot" } });
    assert.deepEqual(onFirst(checkRunAsUser, pod([{ name: "a", image: "i" }]), pol).violations, [
      { policy: "p", path: `${C0}.runAsNonRoot`, field: "runAsUser.rule", message: "runAsNonRoot is required: must be true (runAsUser rule MustRunAsNonRoot)" },
    ]);
  });

  it("MustRunAsNonRoot reports runAsNonRoot false before a root uid", () => {
    const pol = policy({ runAsUser: { rule: "MustRunAsNonRoot" } });
    const p = pod([{ name: "a", image: "i", securityContext: { runAsNonRoot: false, runAsUser: 0 } }]);
    assert.deepEqual(
      onFirst(checkRunAsUser, p, pol).violations.map((v) => v.path),
      [`${C0}.runAsNonRoot`],
    );
  });

  it("fsGroup and supplementalGroups MustRunAs without a value ([] counts as none)", () => {
    const range = { rule: "MustRunAs", ranges: [{ min: 5, max: 5 }] };
    const pol = policy({ fsGroup: range, supplementalGroups: range });
    const p = pod([{ name: "a", image: "i" }], { supplementalGroups: [] });
    assert.deepEqual(onPod(checkFsGroup, p, pol).violations, [
      {
        policy: "p",
        path: "spec.securityContext.fsGroup",
        field: "fsGroup.rule",
        message: "fsGroup is required: unable to validate empty groups against required ranges (fsGroup rule MustRunAs)",
      },
    ]);
    assert.deepEqual(onPod(checkSupplementalGroups, p, pol).violations, [
      {
        policy: "p",
        path: "spec.securityContext.supplementalGroups",
        field: "supplementalGroups.rule",
        message: "supplementalGroups is required: unable to validate empty groups against required ranges (supplementalGroups rule MustRunAs)",
      },
    ]);
  });

  it("runAsGroup MustRunAs without a value; MayRunAs accepts none", () => {
    const p = pod([{ name: "a", image: "i" }]);
    const must = policy({ runAsGroup: { rule: "MustRunAs", ranges: [{ min: 5, max: 5 }] } });
    assert.deepEqual(onFirst(checkRunAsGroup, p, must).violations, [
      {
        policy: "p",
        path: `${C0}.runAsGroup`,
        field: "runAsGroup.rule",
        message: "runAsGroup is required: unable to validate empty groups against required ranges (runAsGroup rule MustRunAs)",
      },
    ]);
    const may = policy({ runAsGroup: { rule: "MayRunAs", ranges: [{ min: 5, max: 5 }] } });
    assert.deepEqual(onFirst(checkRunAsGroup, p, may).violations, []);
  });

  it("seLinux MustRunAs without options, at pod and container level", () => {
    const pol = policy({ seLinux: { rule: "MustRunAs", seLinuxOptions: { level: "s0" } } });
    const p = pod([{ name: "a", image: "i" }]);
    assert.deepEqual(onPod(checkPodSeLinux, p, pol).violations, [
      { policy: "p", path: "spec.securityContext.seLinuxOptions", field: "seLinux.rule", message: "seLinuxOptions is required (seLinux rule MustRunAs)" },
    ]);
    assert.deepEqual(onFirst(checkContainerSeLinux, p, pol).violations, [
      { policy: "p", path: `${C0}.seLinuxOptions`, field: "seLinux.rule", message: "seLinuxOptions is required (seLinux rule MustRunAs)" },
    ]);
  });

  it("readOnlyRootFilesystem unset under a read-only policy", () => {
    const p = pod([{ name: "a", image: "i" }]);
    assert.deepEqual(onFirst(checkReadOnlyRootFilesystem, p, policy({ readOnlyRootFilesystem: true })).violations, [
      { policy: "p", path: `${C0}.readOnlyRootFilesystem`, field: "readOnlyRootFilesystem", message: "ReadOnlyRootFilesystem may not be nil and must be set to true" },
    ]);
  });

  it("allowPrivilegeEscalation unset under a policy that forbids escalation", () => {
    const p = pod([{ name: "a", image: "i" }]);
    assert.deepEqual(onFirst(checkAllowPrivilegeEscalation, p, policy({ allowPrivilegeEscalation: false })).violations, [
      { policy: "p", path: `${C0}.allowPrivilegeEscalation`, field: "allowPrivilegeEscalation", message: "Allowing privilege escalation for containers is not allowed" },
    ]);
  });
});

describe("SELinux level comparison", () => {
  it("compares categories as a set in any order, sensitivity exactly", () => {
    assert.equal(equalLevels("s0:c6,c0", "s0:c0,c6"), true);
    assert.equal(equalLevels("s0:c0,c6", "s1:c0,c6"), false);
    assert.equal(equalLevels("s0", "s0"), true);
    assert.equal(equalLevels("", ""), true);
  });
  it("needs both levels in sensitivity:categories form when they differ", () => {
    assert.equal(equalLevels("s0", "s0:c1"), false);
    assert.equal(equalLevels("s0:c1", "s0"), false);
    assert.equal(equalLevels("s0:c1", ""), false);
  });
  it("keeps duplicate categories significant, as PSP's sorted-slice comparison does", () => {
    assert.equal(equalLevels("s0:c0", "s0:c0,c0"), false);
  });
});
