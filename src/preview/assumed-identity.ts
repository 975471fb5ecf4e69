// Who the webhook would see sending a Pod's CREATE: a controller-made Pod arrives with the identity of
// the kube-controller-manager controller that made it (with --use-service-account-credentials, the
// default of kubeadm and of managed clusters), a static Pod's mirror with its node's, and for a bare Pod
// the user who created it, which the Pod does not record. Pure.
import type { Pod } from "../engine/types.js";
import { AUTHENTICATED_GROUP, authenticatedUser, DEFAULT_SERVICE_ACCOUNT, podServiceAccount, serviceAccountUsername, type UserInfo } from "../policy/subjects.js";
import type { ObjectRef } from "./workload-owner.js";

export interface AssumedIdentity {
  /** The AdmissionReview's `request.userInfo` assumed for the Pod's CREATE. */
  userInfo: UserInfo;
  /** The Pod's ServiceAccount: `spec.serviceAccountName`, `default` when unset. */
  serviceAccount: { namespace: string; name: string };
  /** Why this identity, in a few words. */
  assumed: string;
}

/** The controllers of kube-controller-manager that create Pods, by the kind of object they manage. */
const CONTROLLERS: Readonly<Record<string, string>> = {
  ReplicaSet: "replicaset-controller",
  ReplicationController: "replication-controller",
  StatefulSet: "statefulset-controller",
  DaemonSet: "daemon-set-controller",
  Job: "job-controller",
};

/** A request by a ServiceAccount token: its username, both ServiceAccount groups and system:authenticated. */
function serviceAccountUser(namespace: string, name: string): UserInfo {
  return authenticatedUser(serviceAccountUsername(namespace, name));
}

function serviceAccountOf(pod: unknown): string {
  // A mirror Pod has none for admission (podServiceAccount); shown as the default it would otherwise get.
  return podServiceAccount((pod ?? {}) as Pod) ?? DEFAULT_SERVICE_ACCOUNT;
}

/**
 * @param pod the Pod, or the pod template's Pod, whose ServiceAccount is named
 * @param creator the object whose controller creates the Pod (see `podOwnership`), null for a bare Pod
 */
export function assumedIdentity(pod: unknown, namespace: string, creator: ObjectRef | null): AssumedIdentity {
  const serviceAccount = { namespace, name: serviceAccountOf(pod) };
  if (!creator) {
    return {
      userInfo: { username: "", groups: [AUTHENTICATED_GROUP] },
      serviceAccount,
      assumed: "a bare Pod: the user who created it is not recorded, so an authenticated user with no other group",
    };
  }
  const controller = CONTROLLERS[creator.kind];
  if (controller) {
    return { userInfo: serviceAccountUser("kube-system", controller), serviceAccount, assumed: `created by the ${creator.kind} controller` };
  }
  if (creator.kind === "Node") {
    return {
      userInfo: { username: `system:node:${creator.name}`, groups: ["system:nodes", AUTHENTICATED_GROUP] },
      serviceAccount,
      assumed: `the mirror of a static Pod, created by the kubelet of node ${creator.name}`,
    };
  }
  return {
    userInfo: { username: "", groups: [AUTHENTICATED_GROUP] },
    serviceAccount,
    assumed: `created by the controller of ${creator.kind} ${creator.name}, whose identity is not known: an authenticated user with no other group`,
  };
}

/** The identity as one short table cell. */
export function identityLabel(identity: AssumedIdentity): string {
  return identity.userInfo.username || `unknown user (${identity.userInfo.groups.join(",")})`;
}
