// PSP runAsUser strategies (psp-semantics 5.2): MustRunAs, MustRunAsNonRoot, RunAsAny, on the
// effective (container, else pod) runAsUser / runAsNonRoot.
import { formatRanges, inRanges } from "./ranges.js";
import { effective, setContainerField } from "./security-context.js";
import type { ContainerStep } from "./types.js";
import { inheritedNote } from "./users-inherited.js";
import { runAsUserInForce } from "./user-namespaces.js";

export const defaultRunAsUser: ContainerStep = (view, pod, policy, out) => {
  const { strategy, field } = runAsUserInForce(pod, policy);
  if (strategy.rule !== "MustRunAs" || strategy.ranges.length === 0) return;
  if (effective(view, pod, "runAsUser") !== undefined) return;
  const uid = strategy.ranges[0].min;
  setContainerField(view, "runAsUser", uid);
  out.reasons.push({
    path: `${view.path}.securityContext.runAsUser`,
    field: `${field}.rule`,
    message: `set runAsUser to ${uid} (${field} rule MustRunAs, the first range's min)`,
  });
};

export const defaultRunAsNonRoot: ContainerStep = (view, pod, policy, out) => {
  const { strategy, field } = runAsUserInForce(pod, policy);
  if (strategy.rule !== "MustRunAsNonRoot") return;
  if (effective(view, pod, "runAsNonRoot") !== undefined || effective(view, pod, "runAsUser") !== undefined) return;
  setContainerField(view, "runAsNonRoot", true);
  out.reasons.push({
    path: `${view.path}.securityContext.runAsNonRoot`,
    field: `${field}.rule`,
    message: `set runAsNonRoot to true (${field} rule MustRunAsNonRoot)`,
  });
};

export const checkRunAsUser: ContainerStep = (view, pod, policy, out) => {
  const { strategy, field } = runAsUserInForce(pod, policy);
  const base = `${view.path}.securityContext`;
  const uid = effective(view, pod, "runAsUser");
  const nonRoot = effective(view, pod, "runAsNonRoot");
  const violation = (target: "runAsUser" | "runAsNonRoot", policyField: string, message: string) =>
    out.violations.push({ policy: policy.name, path: `${base}.${target}`, field: policyField, message });
  const uidText = `runAsUser ${uid}${inheritedNote(view, pod, "runAsUser")}`;

  switch (strategy.rule) {
    case "MustRunAs":
      if (uid === undefined) {
        violation("runAsUser", `${field}.rule`, `runAsUser is required (${field} rule MustRunAs)`);
      } else if (!inRanges(uid, strategy.ranges)) {
        violation("runAsUser", `${field}.ranges`, `${uidText}: must be in the ranges: ${formatRanges(strategy.ranges)}`);
      }
      return;
    case "MustRunAsNonRoot":
      if (nonRoot === undefined && uid === undefined) {
        violation("runAsNonRoot", `${field}.rule`, `runAsNonRoot is required: must be true (${field} rule MustRunAsNonRoot)`);
      } else if (nonRoot === false) {
        violation("runAsNonRoot", `${field}.rule`, `runAsNonRoot false${inheritedNote(view, pod, "runAsNonRoot")}: must be true (${field} rule MustRunAsNonRoot)`);
      } else if (uid === 0) {
        violation("runAsUser", `${field}.rule`, `${uidText}: running with the root UID is forbidden`);
      }
      return;
    case "RunAsAny":
      return;
  }
};
