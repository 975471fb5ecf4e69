// STUB: to be implemented (see ../../../shared/psp-semantics.md).
import type { ContainerStep, PodStep } from "./types.js";

export const defaultPodSeLinux: PodStep = () => {};
export const defaultContainerSeLinux: ContainerStep = () => {};
export const checkPodSeLinux: PodStep = () => {};
export const checkContainerSeLinux: ContainerStep = () => {};
