// Seccomp and AppArmor profiles: conversion between PSP's string form (`runtime/default`,
// `docker/default`, `localhost/<path>`, `unconfined`) and the v1 fields `seccompProfile` /
// `appArmorProfile` ({type, localhostProfile}), and matching against a policy's allowed list.
import type { AppArmorProfile, SeccompProfile } from "kubernetes-types/core/v1.js";
import type { Findings, Policy } from "./types.js";

export const RUNTIME_DEFAULT = "runtime/default";
/** The pre-1.11 name of the runtime's default seccomp profile; we treat it as `runtime/default`. */
export const DOCKER_DEFAULT = "docker/default";
export const UNCONFINED = "unconfined";
export const LOCALHOST_PREFIX = "localhost/";

/** Legacy annotations, as PSP read and wrote them. */
export const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
export const APPARMOR_CONTAINER_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

export type ProfileField = SeccompProfile | AppArmorProfile;

/**
 * The PSP string for a profile field. A field PSP could not translate (Localhost without a path, an
 * unknown type) gives the empty string, as PSP's SeccompAnnotationForField did.
 */
export function profileFromField(field: ProfileField): string {
  switch (field.type) {
    case "RuntimeDefault":
      return RUNTIME_DEFAULT;
    case "Unconfined":
      return UNCONFINED;
    case "Localhost":
      return typeof field.localhostProfile === "string" && field.localhostProfile !== "" ? LOCALHOST_PREFIX + field.localhostProfile : "";
    default:
      return "";
  }
}

/** The field for a PSP profile string, or undefined when the string names no profile a field can hold. */
export function profileToField(profile: string): ProfileField | undefined {
  if (profile === RUNTIME_DEFAULT || profile === DOCKER_DEFAULT) return { type: "RuntimeDefault" };
  if (profile === UNCONFINED) return { type: "Unconfined" };
  if (profile.startsWith(LOCALHOST_PREFIX) && profile.length > LOCALHOST_PREFIX.length) {
    return { type: "Localhost", localhostProfile: profile.slice(LOCALHOST_PREFIX.length) };
  }
  return undefined;
}

/** Human description of a field value for messages: `RuntimeDefault`, `Localhost profile p`. */
export function describeField(field: ProfileField): string {
  return field.type === "Localhost" ? `Localhost profile ${field.localhostProfile ?? ""}` : field.type;
}

/** `docker/default` and `runtime/default` are the same profile to us. */
function normalise(profile: string): string {
  return profile === DOCKER_DEFAULT ? RUNTIME_DEFAULT : profile;
}

/**
 * Whether `profile` is in `allowed`. `*` allows any profile (PSP's wildcard). Our extension:
 * `localhost/*` allows any localhost profile (PSP had no such pattern; it only matched exactly).
 * `docker/default` and `runtime/default` match each other (PSP compared them as different strings).
 */
export function profileAllowed(profile: string, allowed: readonly string[]): boolean {
  const wanted = normalise(profile);
  return allowed.some((entry) => {
    if (entry === "*") return true;
    if (entry === `${LOCALHOST_PREFIX}*` && profile.startsWith(LOCALHOST_PREFIX)) return true;
    return normalise(entry) === wanted;
  });
}

/** `[a, b]` for messages. */
export function formatProfiles(allowed: readonly string[]): string {
  return `[${allowed.join(", ")}]`;
}

/** Where a profile was read from: its value in PSP form and the v1 path to report. */
export interface ProfileSource {
  profile: string;
  path: string;
}

/** The source for a field at `base` (e.g. `spec.securityContext.seccompProfile`). */
export function fieldSource(field: ProfileField, base: string): ProfileSource {
  const profile = profileFromField(field);
  const path = field.type === "Localhost" && profile !== "" ? `${base}.localhostProfile` : `${base}.type`;
  return { profile, path };
}

/** The source for an annotation `key`. */
export function annotationSource(value: string, key: string): ProfileSource {
  return { profile: value, path: `metadata.annotations.${key}` };
}

/** A non-null object value of a profile field, or undefined when absent/null. */
export function presentField(value: ProfileField | null | undefined): ProfileField | undefined {
  return value && typeof value === "object" ? value : undefined;
}

const PROFILE_KINDS = {
  seccomp: { label: "seccomp", fieldName: "seccompProfile", policyAnnotation: "seccomp.security.alpha.kubernetes.io/defaultProfileName", expected: "runtime/default, docker/default, unconfined or localhost/<path>" },
  appArmor: { label: "AppArmor", fieldName: "appArmorProfile", policyAnnotation: "apparmor.security.beta.kubernetes.io/defaultProfileName", expected: "runtime/default, unconfined or localhost/<profile>" },
} as const;

/**
 * Writes the policy's default `kind` profile at `path` through `write`, with its Reason; or, when the
 * default cannot be expressed as a field, records a violation instead. Does nothing without a default.
 */
export function writeDefaultProfile(
  kind: keyof typeof PROFILE_KINDS,
  policy: Policy,
  path: string,
  write: (field: ProfileField) => void,
  out: Findings,
  note = "",
): void {
  const profile = policy[kind].defaultProfile;
  if (!profile) return;
  const { label, fieldName, policyAnnotation, expected } = PROFILE_KINDS[kind];
  const field = profileToField(profile);
  if (!field) {
    out.violations.push({
      policy: policy.name,
      path,
      field: `${kind}.defaultProfile`,
      message: `the ${label} default profile "${profile}" cannot be written as a ${fieldName} field (expected ${expected})`,
    });
    return;
  }
  write(field);
  const origin = policy.kind === "PodSecurityPolicy" ? `policy annotation ${policyAnnotation}: ${profile}` : `${label} default profile ${profile}`;
  out.reasons.push({ path, field: `${kind}.defaultProfile`, message: `set ${fieldName} to ${describeField(field)} (${origin}${note})` });
}
