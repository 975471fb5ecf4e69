// PSP runAsUser strategies (psp-semantics 5.2): MustRunAs, MustRunAsNonRoot, RunAsAny, on the
// effective (container, else pod) runAsUser / runAsNonRoot.
import { formatRanges, inRanges } from "./ranges.js";
import { effective, setContainerField } from "./security-context.js";
import type { ContainerStep } from "./types.js";
import { inheritedNote } from "./users-inherited.js";

export const defaultRunAsUser: ContainerStep = (view, pod, policy, out) => {
  const strategy = policy.runAsUser;
  if (strategy.rule !== "MustRunAs" || strategy.ranges.length === 0) return;
  if (effective(view, pod, "runAsUser") !== undefined) return;
  const uid = strategy.ranges[0].min;
  setContainerField(view, "runAsUser", uid);
  out.reasons.push({
    path: `${view.path}.securityContext.runAsUser`,
    field: "runAsUser.rule",
    message: `set runAsUser to ${uid} (runAsUser rule MustRunAs, the first range's min)`,
  });
};

export const defaultRunAsNonRoot: ContainerStep = (view, pod, policy, out) => {
  if (policy.runAsUser.rule !== "MustRunAsNonRoot") return;
  if (effective(view, pod, "runAsNonRoot") !== undefined || effective(view, pod, "runAsUser") !== undefined) return;
  setContainerField(view, "runAsNonRoot", true);
  out.reasons.push({
    path: `${view.path}.securityContext.runAsNonRoot`,
    field: "runAsUser.rule",
    message: "set runAsNonRoot to true (runAsUser rule MustRunAsNonRoot)",
  });
};

export const checkRunAsUser: ContainerStep = (view, pod, policy, out) => {
  const strategy = policy.runAsUser;
  const base = `${view.path}.securityContext`;
  const uid = effective(view, pod, "runAsUser");
  const nonRoot = effective(view, pod, "runAsNonRoot");
  const violation = (field: "runAsUser" | "runAsNonRoot", policyField: string, message: string) =>
    out.violations.push({ policy: policy.name, path: `${base}.${field}`, field: policyField, message });
  const uidText = `runAsUser ${uid}${inheritedNote(view, pod, "runAsUser")}`;

  switch (strategy.rule) {
    case "MustRunAs":
      if (uid === undefined) {
        violation("runAsUser", "runAsUser.rule", "runAsUser is required (runAsUser rule MustRunAs)");
      } else if (!inRanges(uid, strategy.ranges)) {
        violation("runAsUser", "runAsUser.ranges", `${uidText}: must be in the ranges: ${formatRanges(strategy.ranges)}`);
      }
      return;
    case "MustRunAsNonRoot":
      if (nonRoot === undefined && uid === undefined) {
        violation("runAsNonRoot", "runAsUser.rule", "runAsNonRoot is required: must be true (runAsUser rule MustRunAsNonRoot)");
      } else if (nonRoot === false) {
        violation("runAsNonRoot", "runAsUser.rule", `runAsNonRoot false${inheritedNote(view, pod, "runAsNonRoot")}: must be true (runAsUser rule MustRunAsNonRoot)`);
      } else if (uid === 0) {
        violation("runAsUser", "runAsUser.rule", `${uidText}: running with the root UID is forbidden`);
      }
      return;
    case "RunAsAny":
      return;
  }
};
