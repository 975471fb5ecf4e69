// What the kubelet refuses to start, as far as the Pod spec shows it (independent of src/): a container
// whose effective runAsNonRoot is true and whose effective runAsUser is 0 (the kubelet's
// verifyRunAsNonRoot; a user namespace does not change it). Used to name the Pods a policy may deny
// although PSA admits them.
type Json = Record<string, unknown>;

const asObject = (v: unknown): Json | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

/** Why the kubelet would not start the Pod, or undefined. */
export function kubeletRefuses(pod: unknown): string | undefined {
  const spec = asObject(asObject(pod)?.spec) ?? {};
  const podSc = asObject(spec.securityContext) ?? {};
  const reasons: string[] = [];
  for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const item of Array.isArray(spec[list]) ? (spec[list] as unknown[]) : []) {
      const c = asObject(item) ?? {};
      const sc = asObject(c.securityContext) ?? {};
      const pick = (key: string) => (sc[key] !== undefined && sc[key] !== null ? sc[key] : podSc[key]);
      if (pick("runAsNonRoot") === true && pick("runAsUser") === 0) reasons.push(`container "${String(c.name)}" has runAsNonRoot true and runAsUser 0`);
    }
  }
  return reasons.length ? reasons.join("; ") : undefined;
}
