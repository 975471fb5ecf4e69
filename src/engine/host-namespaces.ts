// Host namespaces (psp-semantics 6): a Pod may share the node's network, PID or IPC namespace only when
// the policy allows it. Never mutated.
import type { PodStep } from "./types.js";

type HostField = "hostNetwork" | "hostPID" | "hostIPC";

function hostCheck(field: HostField, message: string): PodStep {
  return (pod, policy, out) => {
    if (pod.spec?.[field] === true && !policy[field]) {
      out.violations.push({ policy: policy.name, path: `spec.${field}`, field, message });
    }
  };
}

export const checkHostNetwork: PodStep = hostCheck("hostNetwork", "Host network is not allowed to be used");
export const checkHostPID: PodStep = hostCheck("hostPID", "Host PID is not allowed to be used");
export const checkHostIPC: PodStep = hostCheck("hostIPC", "Host IPC is not allowed to be used");
