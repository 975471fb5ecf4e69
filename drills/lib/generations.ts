// Policy sets whose answers tell which generation served them: two policies, "alpha" and "beta", bound
// by the namespace label `drill.secure-defaults.io/policy`, each defaulting runAsUser to a value that
// encodes policy and generation (alpha 1100+g, beta 2100+g). An answer then shows whether the set it
// came from was whole (the right policy for its namespace) and which generation it was.
import { admissionResponse } from "./answers.js";

export const POLICY_LABEL = "drill.secure-defaults.io/policy";

export function policyYaml(name: "alpha" | "beta", generation: number): string {
  const uid = (name === "alpha" ? 1100 : 2100) + generation;
  return `apiVersion: secure-defaults.io/v1alpha1
kind: SecureDefaultsPolicy
metadata:
  name: ${name}
spec:
  namespaceSelector:
    matchLabels: {${POLICY_LABEL}: ${name}}
  privileged: false
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  runAsUser:
    rule: MustRunAs
    ranges: [{min: ${uid}, max: ${uid}}]
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: [configMap, emptyDir, projected, secret, downwardAPI, persistentVolumeClaim]
`;
}

/** The Deployment's --default-policy: "restricted", unbound, the same in every generation (runAsUser 3000). */
export const DEFAULT_POLICY_YAML = policyYaml("alpha", 0).replace("name: alpha", "name: restricted").replace(/ {2}namespaceSelector:\n.*\n/, "").replace(/1100/g, "3000");

export function policyFiles(generation: number): Record<string, string> {
  return { "alpha.yaml": policyYaml("alpha", generation), "beta.yaml": policyYaml("beta", generation), "restricted.yaml": DEFAULT_POLICY_YAML };
}

export interface Served {
  policy?: string;
  generation?: number;
}

/** Which policy and generation an AdmissionReview answer came from (from the runAsUser it defaulted). */
export function servedBy(body: string): Served {
  const r = admissionResponse(body);
  if (!r) return {};
  const m = /"runAsUser":(\d+)/.exec(JSON.stringify(r.patch));
  if (!m) return { policy: r.auditAnnotations?.policy };
  const uid = Number(m[1]);
  const policy = uid >= 1100 && uid < 1200 ? "alpha" : uid >= 2100 && uid < 2200 ? "beta" : uid === 3000 ? "restricted" : `runAsUser ${uid}`;
  return { policy, generation: policy === "alpha" || policy === "beta" ? uid % 100 : undefined };
}

/**
 * Checks answers against atomic swaps: the right policy for the namespace (a half-loaded set would
 * answer without it), and never an older generation for a request sent after a newer one was seen.
 */
export class GenerationCheck {
  #newest = 0;
  #newestSeenAt = 0;
  readonly seen = new Map<number, number>();

  check(expectedPolicy: string, body: string, sentAt: number, receivedAt: number): string | undefined {
    const s = servedBy(body);
    if (s.policy !== expectedPolicy) return `answered by ${s.policy ?? "no policy"} instead of ${expectedPolicy} (half-loaded set?)`;
    const g = s.generation ?? -1;
    this.seen.set(g, (this.seen.get(g) ?? 0) + 1);
    if (g < this.#newest && sentAt > this.#newestSeenAt) return `generation ${g} after generation ${this.#newest} was served`;
    if (g > this.#newest) {
      this.#newest = g;
      this.#newestSeenAt = receivedAt;
    }
    return undefined;
  }

  get newest(): number {
    return this.#newest;
  }
}
