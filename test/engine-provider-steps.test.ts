// The provider's step lists, pinned: the same steps in the same order as before the steps were tagged by
// platform (issue 15), for Linux Pods and for Windows Pods. Compared by identity, not by name (the host
// namespace checks are made by one factory and have no name).
import assert from "node:assert/strict";
import { checkAppArmor, defaultAppArmor } from "../src/engine/apparmor.js";
import { checkCapabilities, defaultCapabilities } from "../src/engine/capabilities.js";
import { checkReadOnlyRootFilesystem, defaultReadOnlyRootFilesystem } from "../src/engine/filesystem.js";
import { checkFsGroup, checkRunAsGroup, checkSupplementalGroups, defaultFsGroup, defaultRunAsGroup, defaultSupplementalGroups } from "../src/engine/groups.js";
import { checkHostIPC, checkHostNetwork, checkHostPID } from "../src/engine/host-namespaces.js";
import { checkHostPorts } from "../src/engine/host-ports.js";
import { checkContainerStandard, checkPodStandard, defaultStandardRunAsNonRoot } from "../src/engine/pod-security-standard.js";
import { checkAllowPrivilegeEscalation, defaultAllowPrivilegeEscalation } from "../src/engine/privilege-escalation.js";
import { checkPrivileged } from "../src/engine/privileged.js";
import { checkProcMount } from "../src/engine/proc-mount.js";
import { PROVIDER_STEPS } from "../src/engine/provider.js";
import { checkRuntimeClass, defaultRuntimeClass } from "../src/engine/runtime-class.js";
import { defaultScratchSpace } from "../src/engine/scratch-space.js";
import { checkContainerSeccomp, checkPodSeccomp, defaultContainerSeccomp, defaultPodSeccomp } from "../src/engine/seccomp.js";
import { checkContainerSeLinux, checkPodSeLinux, defaultContainerSeLinux, defaultPodSeLinux } from "../src/engine/selinux.js";
import { checkSysctls } from "../src/engine/sysctls.js";
import { checkRootWithRunAsNonRoot } from "../src/engine/user-namespaces.js";
import { checkRunAsUser, defaultRunAsNonRoot, defaultRunAsUser } from "../src/engine/users.js";
import { checkVolumes } from "../src/engine/volumes.js";
import { checkWindowsContainerFields, checkWindowsPodFields } from "../src/engine/windows.js";

describe("engine provider step lists", () => {
  it("runs every step for a Linux Pod, in PSP's order, and no Windows-only step", () => {
    assert.deepEqual(PROVIDER_STEPS.linux, {
      podDefaults: [defaultSupplementalGroups, defaultFsGroup, defaultPodSeLinux, defaultPodSeccomp, defaultRuntimeClass],
      containerDefaults: [
        defaultRunAsUser,
        defaultRunAsGroup,
        defaultContainerSeLinux,
        defaultAppArmor,
        defaultContainerSeccomp,
        defaultRunAsNonRoot,
        defaultStandardRunAsNonRoot,
        defaultCapabilities,
        defaultReadOnlyRootFilesystem,
        defaultAllowPrivilegeEscalation,
      ],
      podDefaultsAfterContainers: [defaultScratchSpace],
      podChecks: [checkFsGroup, checkSupplementalGroups, checkPodSeccomp, checkPodSeLinux, checkHostNetwork, checkHostPID, checkHostIPC, checkSysctls, checkVolumes, checkRuntimeClass, checkPodStandard],
      containerChecks: [
        checkRunAsUser,
        checkRootWithRunAsNonRoot,
        checkRunAsGroup,
        checkContainerSeLinux,
        checkAppArmor,
        checkContainerSeccomp,
        checkPrivileged,
        checkProcMount,
        checkCapabilities,
        checkHostPorts,
        checkReadOnlyRootFilesystem,
        checkAllowPrivilegeEscalation,
        checkContainerStandard,
      ],
    });
  });

  it("runs only the steps of settings a Windows Pod may have, after the check that it sets no Linux-only setting", () => {
    assert.deepEqual(PROVIDER_STEPS.windows, {
      podDefaults: [defaultRuntimeClass],
      containerDefaults: [defaultRunAsNonRoot, defaultStandardRunAsNonRoot],
      podDefaultsAfterContainers: [],
      podChecks: [checkWindowsPodFields, checkHostNetwork, checkHostPID, checkHostIPC, checkSysctls, checkVolumes, checkRuntimeClass, checkPodStandard],
      containerChecks: [checkWindowsContainerFields, checkPrivileged, checkProcMount, checkHostPorts, checkContainerStandard],
    });
  });
});
