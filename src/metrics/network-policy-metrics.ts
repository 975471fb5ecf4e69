// Metrics of the NetworkPolicy reconciler, registered on the webhook's own registry (see metrics.ts).
import { Counter, Gauge, type Registry } from "prom-client";

export type NetworkPolicyOperation = "list" | "apply" | "delete";

export interface NetworkPolicyMetrics {
  applied: Counter;
  deleted: Counter;
  /** Failed API calls, each attempt counted (a call retried twice and then successful counts 2). */
  errors: Counter<"operation">;
  conflicts: Gauge;
  lastSync: Gauge;
}

export function createNetworkPolicyMetrics(registry: Registry): NetworkPolicyMetrics {
  const registers = [registry];
  return {
    applied: new Counter({
      name: "secure_defaults_network_policies_applied_total",
      help: "NetworkPolicies created or updated by server-side apply (unchanged ones are not applied again).",
      registers,
    }),
    deleted: new Counter({
      name: "secure_defaults_network_policies_deleted_total",
      help: "NetworkPolicies of ours deleted (namespace opted out, or its policy no longer declares them).",
      registers,
    }),
    errors: new Counter({
      name: "secure_defaults_network_policy_errors_total",
      help: "Failed NetworkPolicy API calls by operation (list, apply, delete); every attempt counts, retries included.",
      labelNames: ["operation"],
      registers,
    }),
    conflicts: new Gauge({
      name: "secure_defaults_network_policy_conflicts",
      help: "NetworkPolicies not applied because a NetworkPolicy of the same name that is not ours exists.",
      registers,
    }),
    lastSync: new Gauge({
      name: "secure_defaults_network_policy_last_sync_timestamp_seconds",
      help: "End (Unix seconds) of the last full resync of every namespace in which every API call succeeded.",
      registers,
    }),
  };
}
