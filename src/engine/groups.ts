// STUB: to be implemented (see ../../../shared/psp-semantics.md).
import type { ContainerStep, PodStep } from "./types.js";

export const defaultSupplementalGroups: PodStep = () => {};
export const defaultFsGroup: PodStep = () => {};
export const defaultRunAsGroup: ContainerStep = () => {};
export const checkFsGroup: PodStep = () => {};
export const checkSupplementalGroups: PodStep = () => {};
export const checkRunAsGroup: ContainerStep = () => {};
