// A policy's network default → the NetworkPolicy objects it means for one namespace. Pure: the same
// input always gives the same objects, in the same order, with every field the API server would
// default (port protocol, policyTypes) written out, so a live object compares equal to what we apply.
import type { NetworkDefault, NetworkPeer, NetworkPort } from "../engine/types.js";

/** Label on every NetworkPolicy we keep; the only objects we ever change or delete carry it. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "kube-secure-defaults";
/** Annotation naming the policy the object came from. */
export const SOURCE_POLICY_ANNOTATION = "secure-defaults.io/policy";
export const INGRESS_NAME = "secure-defaults-ingress";
export const EGRESS_NAME = "secure-defaults-egress";
/** Every name we may create: anything else in a namespace is not ours, whatever its labels. */
export const MANAGED_NAMES: readonly string[] = [INGRESS_NAME, EGRESS_NAME];

/** The cloud metadata endpoints: 169.254.169.254 (AWS, GCP, Azure, ...) and AWS's IPv6 fd00:ec2::254. */
export const METADATA_IPV4 = "169.254.169.254/32";
export const METADATA_IPV6 = "fd00:ec2::254/128";

interface Rule {
  from?: NetworkPeer[];
  to?: NetworkPeer[];
  ports?: NetworkPort[];
}

export interface NetworkPolicyObject {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    podSelector: Record<string, never>;
    policyTypes: ["Ingress"] | ["Egress"];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

const SAME_NAMESPACE: NetworkPeer = { podSelector: {} };
const CLUSTER_DNS: NetworkPeer = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
const DNS_PORTS: NetworkPort[] = [
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 53 },
];
const ALL_BUT_METADATA: NetworkPeer[] = [
  { ipBlock: { cidr: "0.0.0.0/0", except: [METADATA_IPV4] } },
  { ipBlock: { cidr: "::/0", except: [METADATA_IPV6] } },
];

const INGRESS_RULES: Record<NonNullable<NetworkDefault["ingress"]>, Rule[]> = {
  "deny-all": [],
  "same-namespace": [{ from: [SAME_NAMESPACE] }],
};

const EGRESS_RULES: Record<NonNullable<NetworkDefault["egress"]>, Rule[]> = {
  "deny-all": [],
  dns: [{ to: [CLUSTER_DNS], ports: DNS_PORTS }],
  "dns-and-same-namespace": [{ to: [CLUSTER_DNS], ports: DNS_PORTS }, { to: [SAME_NAMESPACE] }],
  "all-except-cloud-metadata": [{ to: ALL_BUT_METADATA }],
};

/** A rule as the API server stores it: ports get their default protocol, empty lists are left out. */
function normalized(rule: { from?: NetworkPeer[]; to?: NetworkPeer[]; ports?: NetworkPort[] }): Rule {
  const out: Rule = {};
  if (rule.from?.length) out.from = structuredClone(rule.from);
  if (rule.to?.length) out.to = structuredClone(rule.to);
  if (rule.ports?.length) {
    out.ports = rule.ports.map((p) => ({
      protocol: p.protocol ?? "TCP",
      ...(p.port !== undefined ? { port: p.port } : {}),
      ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    }));
  }
  return out;
}

function networkPolicy(name: string, namespace: string, policy: string, direction: "Ingress" | "Egress", rules: Rule[]): NetworkPolicyObject {
  const key = direction === "Ingress" ? "ingress" : "egress";
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: { [SOURCE_POLICY_ANNOTATION]: policy } },
    spec: { podSelector: {}, policyTypes: [direction] as ["Ingress"] | ["Egress"], ...(rules.length ? { [key]: rules } : {}) },
  };
}

/**
 * The NetworkPolicies `networkDefault` (of the policy named `policy`) means in `namespace`: one that
 * isolates every Pod for ingress when an ingress preset is set, one for egress when an egress preset is
 * set; each allows what its preset allows plus the extra rules, in that order.
 */
export function networkPoliciesFor(networkDefault: NetworkDefault, namespace: string, policy: string): NetworkPolicyObject[] {
  const objects: NetworkPolicyObject[] = [];
  if (networkDefault.ingress) {
    const rules = [...INGRESS_RULES[networkDefault.ingress], ...networkDefault.allowIngress].map(normalized);
    objects.push(networkPolicy(INGRESS_NAME, namespace, policy, "Ingress", rules));
  }
  if (networkDefault.egress) {
    const rules = [...EGRESS_RULES[networkDefault.egress], ...networkDefault.allowEgress].map(normalized);
    objects.push(networkPolicy(EGRESS_NAME, namespace, policy, "Egress", rules));
  }
  return objects;
}
