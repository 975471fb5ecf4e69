// STUB: to be implemented (see ../../../shared/psp-semantics.md).
import type { ContainerStep, PodStep } from "./types.js";

export const checkHostNetwork: PodStep = () => {};
export const checkHostPID: PodStep = () => {};
export const checkHostIPC: PodStep = () => {};
