// Visits init, regular and ephemeral containers in PSP's order, each with its v1 path.
import type { ContainerListName, ContainerView, Pod } from "./types.js";

export const CONTAINER_LISTS: readonly ContainerListName[] = ["initContainers", "containers", "ephemeralContainers"];

/** Every container of the pod, in the order PSP visited them: init, regular, ephemeral. */
export function containerViews(pod: Pod): ContainerView[] {
  const views: ContainerView[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = pod.spec?.[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, index) => {
      if (container && typeof container === "object") {
        views.push({ container, list, index, path: `spec.${list}[${index}]` });
      }
    });
  }
  return views;
}
