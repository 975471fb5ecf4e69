// AppArmor (psp-semantics 5.11), with our decided deviation: the default is written as the container's
// v1 field `securityContext.appArmorProfile`, not as PSP's per-container pod annotation. The
// effective profile is the legacy annotation if non-empty, else the container field, else the pod field.
import {
  annotationSource,
  APPARMOR_CONTAINER_ANNOTATION_PREFIX,
  fieldSource,
  formatProfiles,
  presentField,
  profileAllowed,
  type ProfileSource,
  writeDefaultProfile,
} from "./profiles.js";
import { setContainerField } from "./security-context.js";
import type { ContainerStep, ContainerView, Pod } from "./types.js";

/** The container's effective profile, or undefined when nothing names one. */
function effectiveProfile(view: ContainerView, pod: Pod): (ProfileSource & { inherited?: boolean }) | undefined {
  const key = APPARMOR_CONTAINER_ANNOTATION_PREFIX + view.container.name;
  const annotations = pod.metadata?.annotations;
  const value = annotations && typeof annotations === "object" ? annotations[key] : undefined;
  if (typeof value === "string" && value !== "") return annotationSource(value, key);
  const own = presentField(view.container.securityContext?.appArmorProfile);
  if (own) return fieldSource(own, `${view.path}.securityContext.appArmorProfile`);
  const inherited = presentField(pod.spec?.securityContext?.appArmorProfile);
  if (inherited) {
    const source = fieldSource(inherited, "spec.securityContext.appArmorProfile");
    return { profile: source.profile, path: source.path, inherited: true };
  }
  return undefined;
}

/** Mutation, per container: a container with no profile gets the policy's default as its own field. */
export const defaultAppArmor: ContainerStep = (view, pod, policy, out) => {
  if (effectiveProfile(view, pod)) return;
  const path = `${view.path}.securityContext.appArmorProfile`;
  writeDefaultProfile("appArmor", policy, path, (field) => setContainerField(view, "appArmorProfile", field), out);
};

/**
 * Validation, per container: no allowed list = anything goes; otherwise a profile must be set and be
 * listed (`*` and `localhost/*` as in profiles.ts).
 */
export const checkAppArmor: ContainerStep = (view, pod, policy, out) => {
  const allowed = policy.appArmor.allowedProfiles;
  if (allowed === undefined) return;
  const source = effectiveProfile(view, pod) ?? { profile: "", path: `${view.path}.securityContext.appArmorProfile` };
  const note = source.inherited ? ` (container "${view.container.name}" inherits the Pod's profile)` : "";
  const fail = (message: string) => out.violations.push({ policy: policy.name, path: source.path, field: "appArmor.allowedProfiles", message: message + note });
  if (source.profile === "") {
    if (allowed.length > 0) fail(`AppArmor profile must be set for container "${view.container.name}". Allowed values: ${formatProfiles(allowed)}`);
    return;
  }
  if (!profileAllowed(source.profile, allowed)) {
    fail(`${source.profile} is not an allowed AppArmor profile. Allowed values: ${formatProfiles(allowed)}`);
  }
};
