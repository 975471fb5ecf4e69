// The engine's vocabulary: the policy model every loader produces and the result every caller reads.
// Nothing here does I/O; the engine imports only Kubernetes *types* (erased at build time).
import type { Container, EphemeralContainer, Pod, SELinuxOptions } from "kubernetes-types/core/v1.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";

export type { Pod, Container, EphemeralContainer, SELinuxOptions, LabelSelector };

/** An inclusive id range, as PSP's `IDRange` / `HostPortRange`. */
export interface IdRange {
  min: number;
  max: number;
}

export type UserRule = "MustRunAs" | "MustRunAsNonRoot" | "RunAsAny";
export type GroupRule = "MustRunAs" | "MayRunAs" | "RunAsAny";

export interface UserStrategy {
  rule: UserRule;
  ranges: IdRange[];
}
export interface GroupStrategy {
  rule: GroupRule;
  ranges: IdRange[];
}
export interface SELinuxStrategy {
  rule: "MustRunAs" | "RunAsAny";
  seLinuxOptions?: SELinuxOptions;
}

/**
 * Seccomp and AppArmor profiles are kept in PSP's string form: `runtime/default`, `docker/default`,
 * `localhost/<path>`, `unconfined`; `*` in an allowed list allows any profile.
 * `allowedProfiles` undefined means "no allowed list" (PSP's absent annotation), which PSP treated
 * differently for seccomp (nothing may be set) and AppArmor (anything goes).
 */
export interface ProfileStrategy {
  defaultProfile?: string;
  allowedProfiles?: string[];
}

export interface RuntimeClassStrategy {
  allowedRuntimeClassNames: string[];
  defaultRuntimeClassName?: string;
}

/** Where a policy applies. Absent = every namespace (a cluster-wide PSP). */
export interface PolicyBinding {
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
}

/**
 * A validated policy with every default filled in: the engine never sees `undefined` where PSP had a
 * default. Field names and meanings are PSP's `policy/v1beta1` spec.
 */
export interface Policy {
  name: string;
  /** Where the policy came from, e.g. `policies/restricted.yaml#1`, for messages. */
  source: string;
  kind: "PodSecurityPolicy" | "SecureDefaultsPolicy";
  binding?: PolicyBinding;

  privileged: boolean;
  defaultAddCapabilities: string[];
  requiredDropCapabilities: string[];
  allowedCapabilities: string[];
  volumes: string[];
  hostNetwork: boolean;
  hostIPC: boolean;
  hostPID: boolean;
  hostPorts: IdRange[];
  seLinux: SELinuxStrategy;
  runAsUser: UserStrategy;
  runAsGroup: GroupStrategy;
  supplementalGroups: GroupStrategy;
  fsGroup: GroupStrategy;
  readOnlyRootFilesystem: boolean;
  defaultAllowPrivilegeEscalation?: boolean;
  allowPrivilegeEscalation: boolean;
  allowedHostPaths: { pathPrefix: string; readOnly: boolean }[];
  allowedFlexVolumes: { driver: string }[];
  allowedCSIDrivers: { name: string }[];
  allowedUnsafeSysctls: string[];
  forbiddenSysctls: string[];
  allowedProcMountTypes: string[];
  runtimeClass?: RuntimeClassStrategy;
  seccomp: ProfileStrategy;
  appArmor: ProfileStrategy;
  /**
   * SecureDefaultsPolicy extension (not PSP): also enforce the Pod Security Standard checks that PSP
   * fields cannot express, so that what the policy admits passes Pod Security Admission at that level.
   */
  podSecurityStandard?: "baseline" | "restricted";
}

/** One change the engine made, and the policy field that caused it. */
export interface Reason {
  /** v1 field path of the changed value, e.g. `spec.containers[0].securityContext.runAsNonRoot`. */
  path: string;
  /** The policy field responsible, e.g. `runAsUser.rule`. */
  field: string;
  message: string;
}

/** One thing a policy forbids in the Pod. */
export interface Violation {
  policy: string;
  /** v1 field path, e.g. `spec.containers[0].securityContext.privileged`. */
  path: string;
  /** The policy field that forbids it, e.g. `privileged`. */
  field: string;
  message: string;
}

export type Operation = "CREATE" | "UPDATE";

/** An RFC 6902 operation, as fast-json-patch produces it. */
export interface PatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

export interface EvaluationResult {
  allowed: boolean;
  /** The chosen policy's name; undefined when denied. */
  policy?: string;
  /** The resulting object; the input unchanged when denied or on UPDATE. */
  object: unknown;
  /** RFC 6902 operations from the input to `object`. */
  patch: PatchOperation[];
  reasons: Reason[];
  violations: Violation[];
  warnings: string[];
}

export type ContainerListName = "initContainers" | "containers" | "ephemeralContainers";

/** A container together with where it sits in the Pod. */
export interface ContainerView {
  container: Container | EphemeralContainer;
  list: ContainerListName;
  index: number;
  /** v1 path prefix, e.g. `spec.initContainers[1]`. */
  path: string;
}

/**
 * Collects what a strategy did or found. Strategies push, they never throw and never log.
 */
export interface Findings {
  reasons: Reason[];
  violations: Violation[];
  warnings: string[];
}

/** A pod-level step of one PSP strategy, mutating `pod` in place (it is the provider's private copy). */
export type PodStep = (pod: Pod, policy: Policy, out: Findings) => void;
/** A container-level step of one PSP strategy. */
export type ContainerStep = (view: ContainerView, pod: Pod, policy: Policy, out: Findings) => void;
