// Seccomp (psp-semantics 5.10), with our decided deviation: the default is written as the v1 field
// `spec.securityContext.seccompProfile`, not as PSP's pod annotation. Profiles are judged in PSP's
// string form from the same sources PSP read (fields and the legacy annotations).
import {
  annotationSource,
  describeField,
  fieldSource,
  formatProfiles,
  presentField,
  profileAllowed,
  profileToField,
  SECCOMP_CONTAINER_ANNOTATION_PREFIX,
  SECCOMP_POD_ANNOTATION,
  type ProfileField,
  type ProfileSource,
  writeDefaultProfile,
} from "./profiles.js";
import { setContainerField, setPodField } from "./security-context.js";
import type { ContainerStep, ContainerView, Findings, Pod, PodStep, Policy } from "./types.js";

const POD_FIELD_PATH = "spec.securityContext.seccompProfile";

function annotations(pod: Pod): Record<string, string> {
  const value = pod.metadata?.annotations;
  return value && typeof value === "object" ? value : {};
}

/** The pod annotation's value when it is a non-empty string (PSP's "profile already set"). */
function podAnnotation(pod: Pod): string | undefined {
  const value = annotations(pod)[SECCOMP_POD_ANNOTATION];
  return typeof value === "string" && value !== "" ? value : undefined;
}

const LEGACY_NOTE = "kubelets since Kubernetes 1.27 ignore the seccomp annotations, so the field must carry the profile";

/**
 * A legacy annotation without the field it stands for gets that field too (the same profile): PSP relied
 * on the API server copying annotation to field, which current API servers no longer do.
 */
function copyLegacyAnnotation(value: string, key: string, path: string, write: (field: ProfileField) => void, out: Findings): void {
  const field = profileToField(value);
  if (!field) return;
  write(field);
  out.reasons.push({ path, field: "seccomp", message: `set seccompProfile to ${describeField(field)} from the legacy annotation ${key}: ${value} (${LEGACY_NOTE})` });
}

/**
 * Mutation, pod level: a Pod that names a profile (legacy annotation or field) keeps it (an annotation
 * alone is copied into the field); otherwise the policy's default profile is written into
 * `spec.securityContext.seccompProfile`.
 */
export const defaultPodSeccomp: PodStep = (pod, policy, out) => {
  const hasField = presentField(pod.spec?.securityContext?.seccompProfile) !== undefined;
  const legacy = podAnnotation(pod);
  if (legacy !== undefined) {
    if (!hasField) copyLegacyAnnotation(legacy, SECCOMP_POD_ANNOTATION, POD_FIELD_PATH, (f) => setPodField(pod, "seccompProfile", f), out);
    return;
  }
  if (hasField) return;
  writeDefaultProfile("seccomp", policy, POD_FIELD_PATH, (field) => setPodField(pod, "seccompProfile", field), out);
};

/**
 * Mutation, container level. A container's legacy annotation without the field is copied into the
 * field. A container with no profile in a Pod with none gets the policy default on the container: this
 * only happens when pod-level defaults are skipped (`pods/ephemeralcontainers`, e.g. kubectl debug on
 * a Pod created before the namespace opted in), since otherwise the pod default is already written.
 */
export const defaultContainerSeccomp: ContainerStep = (view, pod, policy, out) => {
  if (presentField(view.container.securityContext?.seccompProfile)) return;
  const path = `${view.path}.securityContext.seccompProfile`;
  const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + view.container.name;
  const value = annotations(pod)[key];
  if (typeof value === "string") {
    if (value !== "") copyLegacyAnnotation(value, key, path, (f) => setContainerField(view, "seccompProfile", f), out);
    return;
  }
  if (podAnnotation(pod) !== undefined || presentField(pod.spec?.securityContext?.seccompProfile)) return;
  writeDefaultProfile("seccomp", policy, path, (field) => setContainerField(view, "seccompProfile", field), out, "; the Pod has none");
};

/** The pod's profile: the pod annotation if non-empty, else the pod field, else none (""). */
function podProfile(pod: Pod): ProfileSource {
  const value = podAnnotation(pod);
  if (value !== undefined) return annotationSource(value, SECCOMP_POD_ANNOTATION);
  const field = presentField(pod.spec?.securityContext?.seccompProfile);
  if (field) return fieldSource(field, POD_FIELD_PATH);
  const raw = annotations(pod)[SECCOMP_POD_ANNOTATION];
  if (typeof raw === "string") return annotationSource(raw, SECCOMP_POD_ANNOTATION);
  return { profile: "", path: POD_FIELD_PATH };
}

/**
 * PSP's validateProfile. With no allowed list nothing may be set ("seccomp may not be set"); an empty
 * profile passes only when the list is empty; `*` allows anything.
 */
function validate(source: ProfileSource, policy: Policy, out: Findings, note = ""): void {
  const allowed = policy.seccomp.allowedProfiles ?? [];
  if (allowed.includes("*")) return; // the wildcard allows anything, also no profile
  if (allowed.length === 0 && source.profile === "") return;
  if (allowed.length > 0 && profileAllowed(source.profile, allowed)) return;
  let message: string;
  if (allowed.length === 0) message = `seccomp may not be set: the policy allows no seccomp profile (got ${source.profile})`;
  else if (source.profile === "") message = `no seccomp profile is set, which is not an allowed seccomp profile. Valid values are ${formatProfiles(allowed)}`;
  else message = `${source.profile} is not an allowed seccomp profile. Valid values are ${formatProfiles(allowed)}`;
  out.violations.push({ policy: policy.name, path: source.path, field: "seccomp.allowedProfiles", message: message + note });
}

export const checkPodSeccomp: PodStep = (pod, policy, out) => {
  validate(podProfile(pod), policy, out);
};

type InheritableSource = ProfileSource & { inherited: boolean };

/** A source and whether the container inherits it from the Pod (a literal: spread-and-extend is slow in V8). */
function sourceOf(source: ProfileSource, inherited: boolean): InheritableSource {
  return { profile: source.profile, path: source.path, inherited };
}

/**
 * A container's profile, PSP 1.19+ order: container field, then the container annotation (even when
 * empty), then the pod field, then the pod annotation.
 */
function containerProfile(view: ContainerView, pod: Pod): InheritableSource {
  const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + view.container.name;
  const value = annotations(pod)[key];
  const own = presentField(view.container.securityContext?.seccompProfile);
  if (own) return sourceOf(reportedSource(fieldSource(own, `${view.path}.securityContext.seccompProfile`), value, key), false);
  if (typeof value === "string") return sourceOf(annotationSource(value, key), false);
  const podValue = annotations(pod)[SECCOMP_POD_ANNOTATION];
  const podField = presentField(pod.spec?.securityContext?.seccompProfile);
  if (podField) return sourceOf(reportedSource(fieldSource(podField, POD_FIELD_PATH), podValue, SECCOMP_POD_ANNOTATION), true);
  if (typeof podValue === "string") return sourceOf(annotationSource(podValue, SECCOMP_POD_ANNOTATION), true);
  return { profile: "", path: `${view.path}.securityContext.seccompProfile`, inherited: false };
}

/**
 * When a field and its legacy annotation name the same profile (the field was copied from the
 * annotation), a violation points at the annotation: that is what the user wrote.
 */
function reportedSource(field: ProfileSource, annotation: unknown, key: string): ProfileSource {
  if (typeof annotation === "string" && annotation !== "" && profileAllowed(annotation, [field.profile])) return annotationSource(annotation, key);
  return field;
}

/** Every container is checked too (as PSP did), also when it only inherits the Pod's profile. */
export const checkContainerSeccomp: ContainerStep = (view, pod, policy, out) => {
  const source = containerProfile(view, pod);
  validate(source, policy, out, source.inherited ? ` (container "${view.container.name}" inherits the Pod's profile)` : "");
};
