// SecureDefaultsPolicy extension `scratchSpace` (not PSP): a container whose readOnlyRootFilesystem the
// policy has just defaulted to true gets a writable emptyDir at each path the policy names (e.g. /tmp),
// so that defaulting the flag does not break the programs that write there. Runs after the container
// defaults (it reads their reasons to know which containers were defaulted), before the checks (so the
// volume it adds is checked like any other). Rules:
//   * only containers and init containers whose readOnlyRootFilesystem was defaulted in this pass: a
//     container that set the flag itself chose its mounts; ephemeral containers never (the
//     `pods/ephemeralcontainers` subresource cannot add volumes; ephemeral containers may only be added
//     through it), and Windows Pods never (they have no readOnlyRootFilesystem);
//   * not when the container already mounts a volume at the path or at one of its parents (e.g. /var
//     for /var/tmp); a mount at `/` does not count: `/` is the root filesystem's place, and the runtime
//     mounts the more specific path over it. Mounts below the path (/tmp/cache) do not count either;
//   * not when the policy's volumes do not allow emptyDir, or the Pod already has a volume with the
//     name: a warning says so, and the container is left as it is;
//   * one volume per path, shared by every container that needs it, appended after the Pod's volumes.
// Idempotent: on a second pass the containers carry readOnlyRootFilesystem: true, so nothing is defaulted.
import { containerViews } from "./containers.js";
import type { ContainerView, Findings, Pod, PodStep, Policy, ScratchSpace } from "./types.js";
import { isObject } from "./json.js";

function defaultedReadOnlyRoot(view: ContainerView, out: Findings): boolean {
  const path = `${view.path}.securityContext.readOnlyRootFilesystem`;
  return out.reasons.some((r) => r.path === path && r.field === "readOnlyRootFilesystem");
}

/** A mount path without trailing slashes and doubled slashes (`/tmp/` → `/tmp`, `//` → `/`). */
export function normalizeMountPath(path: string): string {
  const collapsed = path.replace(/\/+/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}

/** Whether `mountPath` is `path` or a parent of it other than `/`. */
export function coversPath(mountPath: string, path: string): boolean {
  const mount = normalizeMountPath(mountPath);
  return mount === path || (mount !== "/" && path.startsWith(`${mount}/`));
}

function mountsAtOrAbove(view: ContainerView, path: string): boolean {
  const mounts: unknown = view.container.volumeMounts;
  if (!Array.isArray(mounts)) return false;
  return mounts.some((m) => isObject(m) && typeof m.mountPath === "string" && coversPath(m.mountPath, path));
}

function volumeNames(pod: Pod): Set<string> {
  const volumes: unknown = pod.spec?.volumes;
  if (!Array.isArray(volumes)) return new Set();
  return new Set(volumes.flatMap((v) => (isObject(v) && typeof v.name === "string" ? [v.name] : [])));
}

function emptyDirAllowed(policy: Policy): boolean {
  return policy.volumes.includes("emptyDir") || policy.volumes.includes("*");
}

/** Adds one scratch volume and its mounts; the private copy gets fresh arrays (the input's are shared). */
function addScratch(pod: Pod, entry: ScratchSpace, field: string, views: readonly ContainerView[], out: Findings): void {
  const spec = pod.spec!;
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const emptyDir = entry.sizeLimit !== undefined ? { sizeLimit: entry.sizeLimit } : {};
  spec.volumes = [...volumes, { name: entry.volumeName, emptyDir }];
  const size = entry.sizeLimit !== undefined ? `, sizeLimit ${entry.sizeLimit}` : "";
  out.reasons.push({
    path: `spec.volumes[${volumes.length}]`,
    field,
    message: `added emptyDir volume "${entry.volumeName}"${size} for scratch space at ${entry.path} (${field})`,
  });
  for (const view of views) {
    const mounts: unknown[] = Array.isArray(view.container.volumeMounts) ? view.container.volumeMounts : [];
    view.container.volumeMounts = [...mounts, { name: entry.volumeName, mountPath: entry.path }] as typeof view.container.volumeMounts;
    out.reasons.push({
      path: `${view.path}.volumeMounts[${mounts.length}]`,
      field,
      message: `mounted "${entry.volumeName}" at ${entry.path}: writable scratch space, since the root filesystem was made read-only (${field})`,
    });
  }
}

export const defaultScratchSpace: PodStep = (pod, policy, out) => {
  const entries = policy.scratchSpace ?? [];
  if (entries.length === 0 || !policy.readOnlyRootFilesystem || !pod.spec) return;
  const defaulted = containerViews(pod).filter((v) => v.list !== "ephemeralContainers" && defaultedReadOnlyRoot(v, out));
  if (defaulted.length === 0) return;
  const existing = volumeNames(pod);
  entries.forEach((entry, i) => {
    const field = `scratchSpace[${i}]`;
    const needing = defaulted.filter((v) => !mountsAtOrAbove(v, entry.path));
    if (needing.length === 0) return;
    if (!emptyDirAllowed(policy)) {
      out.warnings.push(`policy "${policy.name}": no scratch space at ${entry.path} (${field}): the policy's volumes do not allow emptyDir`);
      return;
    }
    if (existing.has(entry.volumeName)) {
      out.warnings.push(`policy "${policy.name}": no scratch space at ${entry.path} (${field}): the Pod already has a volume named "${entry.volumeName}"`);
      return;
    }
    addScratch(pod, entry, field, needing, out);
  });
};
