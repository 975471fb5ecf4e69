// The engine's vocabulary: the policy model every loader produces and the result every caller reads.
// Nothing here does I/O; the engine imports only Kubernetes *types* (erased at build time).
import type { Container, EphemeralContainer, Pod, SELinuxOptions } from "kubernetes-types/core/v1.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";

export type { Pod, Container, EphemeralContainer, SELinuxOptions, LabelSelector };

/** One default the API server would fill in (api-defaults.ts), at a v1 field path of the object. */
export interface ApiDefault {
  /** e.g. `spec.volumes[0].emptyDir` */
  path: string;
  value: unknown;
  message: string;
}

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

/**
 * SecureDefaultsPolicy extension (not PSP): writable scratch space for a container whose
 * readOnlyRootFilesystem the policy defaults (scratch-space.ts).
 */
export interface ScratchSpace {
  /** Absolute, normalized mount path, e.g. `/tmp`. */
  path: string;
  /** The Pod volume's name, e.g. `scratch-tmp`. */
  volumeName: string;
  /** The emptyDir's sizeLimit (a Kubernetes quantity), when the policy sets one. */
  sizeLimit?: string;
}

/** enforce: patch and deny; warn: admit unchanged and say what enforce would have done. */
export type PolicyMode = "enforce" | "warn";

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
 * Who may use a policy (SecureDefaultsPolicy `spec.subjects`, RBAC's subject shape): a user, a group or a
 * ServiceAccount, optionally only for Pods in some namespaces (as a RoleBinding grants `use` only in its
 * own namespace). The engine never reads it; the admission layer chooses candidates with it.
 */
export interface PolicySubject {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  /** The ServiceAccount's namespace (ServiceAccount subjects only). */
  namespace?: string;
  /** Only for Pods in these namespaces; absent = every namespace (as a ClusterRoleBinding). */
  inNamespaces?: string[];
}

/**
 * SecureDefaultsPolicy extension, not PSP and not read by the engine: the NetworkPolicies kept in the
 * namespaces the policy is chosen for. Rules are NetworkPolicy's own ingress/egress rule syntax.
 */
export interface NetworkPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NetworkPort {
  protocol?: "TCP" | "UDP" | "SCTP";
  port?: number | string;
  endPort?: number;
}
export interface NetworkDefault {
  ingress?: "deny-all" | "same-namespace";
  egress?: "deny-all" | "dns" | "dns-and-same-namespace" | "all-except-cloud-metadata";
  allowIngress: { from?: NetworkPeer[]; ports?: NetworkPort[] }[];
  allowEgress: { to?: NetworkPeer[]; ports?: NetworkPort[] }[];
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
  /** Who may use the policy; absent = everyone, `[]` = no one (a PSP that no binding granted). */
  subjects?: PolicySubject[];

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
  /** SecureDefaultsPolicy extension (not PSP): the namespace network default, see NetworkDefault. */
  networkDefault?: NetworkDefault;
  /** SecureDefaultsPolicy extension (not PSP): scratch space where readOnlyRootFilesystem is defaulted. */
  scratchSpace?: ScratchSpace[];
  /**
   * SecureDefaultsPolicy extension (not PSP), read by admission only (the engine ignores it): absent
   * means enforce.
   */
  mode?: PolicyMode;
  /**
   * The PSA policy version the standard is judged at, as the minor of `v1.<minor>` (psa-versions.ts);
   * undefined = the newest implemented (a level alone, or `latest`).
   */
  podSecurityStandardVersion?: number;
  /**
   * SecureDefaultsPolicy extension (not PSP): what differs for a Pod in a user namespace
   * (`spec.hostUsers: false`), where uid 0 in the container maps to an unprivileged uid on the node.
   * Each strategy set here replaces the policy's own for such a Pod; unset keeps the policy's.
   */
  userNamespaces?: UserNamespaceStrategy;
}

export interface UserNamespaceStrategy {
  runAsUser?: UserStrategy;
  runAsGroup?: GroupStrategy;
  allowedProcMountTypes?: string[];
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

/** A violation's message says which policy forbids it and by which field, e.g. `policy "restricted" (privileged): ...`. */
export function violationMessage(v: Pick<Violation, "policy" | "field" | "message">): string {
  if (!v.policy) return v.message;
  return `policy "${v.policy}"${v.field ? ` (${v.field})` : ""}: ${v.message}`;
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
  /**
   * The API server's defaults the Pod was judged with (api-defaults.ts), when the input lacked any:
   * never part of `patch` or `object`. Absent when there were none (always on /mutate).
   */
  apiDefaults?: ApiDefault[];
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
