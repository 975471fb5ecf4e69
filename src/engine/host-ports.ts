// Host ports (psp-semantics 6): every container port with hostPort > 0 must fall in one of the
// policy's inclusive hostPorts ranges; no ranges = no host port at all. Never mutated.
import { inRanges } from "./ranges.js";
import type { ContainerStep, IdRange } from "./types.js";

/** PSP's hostPortRangesToString: `min-max`, or `n` when min = max, comma-joined. */
export function formatHostPortRanges(ranges: readonly IdRange[]): string {
  return ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(",");
}

export const checkHostPorts: ContainerStep = (view, _pod, policy, out) => {
  const ports = view.container.ports;
  if (!Array.isArray(ports)) return;
  ports.forEach((port, index) => {
    const hostPort = port?.hostPort;
    if (typeof hostPort !== "number" || hostPort <= 0) return;
    if (inRanges(hostPort, policy.hostPorts)) return;
    out.violations.push({
      policy: policy.name,
      path: `${view.path}.ports[${index}].hostPort`,
      field: "hostPorts",
      message: `Host port ${hostPort} is not allowed to be used. Allowed ports: [${formatHostPortRanges(policy.hostPorts)}]`,
    });
  });
};
