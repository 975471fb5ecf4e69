// A breakage the engine cannot see from the Pod alone: runAsNonRoot: true was defaulted onto a container
// that names no uid, so whether it starts depends on its image's USER, which admission never sees. The
// kubelet refuses to start it when that USER is root, or a name rather than a number ("image has non-numeric
// user ..., cannot verify user is non-root"). One warning per Pod says what to do.
import { containerViews } from "./containers.js";
import { effective } from "./security-context.js";
import type { PodStep } from "./types.js";

/** At most 120 characters (kubectl shows each warning on a line). */
export const RUN_AS_NON_ROOT_WARNING =
  "runAsNonRoot was defaulted: if the image's USER is root or not numeric it will not start; set a numeric runAsUser";

export const warnDefaultedRunAsNonRoot: PodStep = (pod, _policy, out) => {
  const defaulted = new Set(out.reasons.filter((r) => r.path.endsWith(".securityContext.runAsNonRoot")).map((r) => r.path));
  if (defaulted.size === 0) return;
  const unknownUser = containerViews(pod).some(
    (v) => defaulted.has(`${v.path}.securityContext.runAsNonRoot`) && effective(v, pod, "runAsUser") === undefined,
  );
  if (unknownUser) out.warnings.push(RUN_AS_NON_ROOT_WARNING);
};
