// STUB: to be implemented (see ../../../shared/psp-semantics.md).
import type { ContainerStep, PodStep } from "./types.js";

export const checkHostPorts: ContainerStep = () => {};
