// Prometheus metrics (prom-client) on a registry of their own, so every server instance (and every test)
// counts separately. Our metric names start with `secure_defaults_`; the default process and Node.js
// metrics keep their standard names (`process_*`, `nodejs_*`) so that stock dashboards work.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export type AdmissionResult = "allowed" | "denied" | "error";
export type ErrorType = "internal" | "bad_request";
export type ReloadResult = "success" | "failure";

export interface Metrics {
  registry: Registry;
  /** Time to answer one /mutate request, by AdmissionRequest operation, result and whether a patch was sent. */
  requestDuration: Histogram<"operation" | "result" | "mutated">;
  denials: Counter<"operation">;
  /** Requests answered in warn mode that enforce mode would have patched or denied. */
  warnMode: Counter<"namespace" | "policy" | "outcome">;
  errors: Counter<"type">;
  policyReloads: Counter<"result">;
  certificateReloads: Counter<"result">;
  inFlight: Gauge;
  policiesLoaded: Gauge;
  certificateExpiry: Gauge;
}

export interface MetricsOptions {
  /** Collect the default process / Node.js metrics (default true). */
  defaultMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requestDuration: new Histogram({
      name: "secure_defaults_admission_request_duration_seconds",
      help: "Time to answer an admission request on /mutate, by operation, result (allowed, denied, error) and mutated.",
      labelNames: ["operation", "result", "mutated"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    denials: new Counter({
      name: "secure_defaults_admission_denials_total",
      help: "Admission requests denied because of policy violations, by operation.",
      labelNames: ["operation"],
      registers,
    }),
    warnMode: new Counter({
      name: "secure_defaults_warn_mode_total",
      help: "Requests admitted unchanged in warn mode that enforce mode would have changed or denied, by namespace, policy and outcome (would-patch, would-deny).",
      labelNames: ["namespace", "policy", "outcome"],
      registers,
    }),
    errors: new Counter({
      name: "secure_defaults_errors_total",
      help: "Requests that failed: type internal (answered per --on-error), bad_request (answered 4xx) or connection_limit (a connection over --max-connections, closed).",
      labelNames: ["type"],
      registers,
    }),
    policyReloads: new Counter({
      name: "secure_defaults_policy_reloads_total",
      help: "Policy reload attempts after a file change, by result (success, failure).",
      labelNames: ["result"],
      registers,
    }),
    certificateReloads: new Counter({
      name: "secure_defaults_certificate_reloads_total",
      help: "Serving certificate reload attempts after a file change, by result (success, failure).",
      labelNames: ["result"],
      registers,
    }),
    inFlight: new Gauge({
      name: "secure_defaults_inflight_requests",
      help: "HTTP requests being handled right now.",
      registers,
    }),
    policiesLoaded: new Gauge({
      name: "secure_defaults_policies_loaded",
      help: "Policies in the set currently serving.",
      registers,
    }),
    certificateExpiry: new Gauge({
      name: "secure_defaults_certificate_expiry_timestamp_seconds",
      help: "Expiry time (Unix seconds) of the serving certificate currently in use.",
      registers,
    }),
  };
}
