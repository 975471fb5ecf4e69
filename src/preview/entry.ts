// One element of `secure-defaults preview -o json` and of POST /preview: a contract, field for field.
import { violationMessage, type ApiDefault, type EvaluationResult, type PatchOperation, type Reason } from "../engine/types.js";

export interface PreviewEntry {
  kind: string;
  name: string;
  namespace: string;
  allowed: boolean;
  policy: string | null;
  patch: PatchOperation[];
  object: unknown;
  reasons: Reason[];
  violations: { path: string; message: string }[];
  warnings: string[];
  /** The API server's defaults the object was judged with (never in `patch` or `object`); [] when none. */
  apiDefaults: ApiDefault[];
}

interface ObjectIdentity {
  kind?: unknown;
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function previewEntry(input: unknown, namespace: string | undefined, result: EvaluationResult): PreviewEntry {
  const id = (input ?? {}) as ObjectIdentity;
  return {
    kind: text(id.kind),
    name: text(id.metadata?.name) || text(id.metadata?.generateName),
    namespace: namespace ?? text(id.metadata?.namespace),
    allowed: result.allowed,
    policy: result.policy ?? null,
    patch: result.patch,
    object: result.object,
    reasons: result.reasons,
    violations: result.violations.map((v) => ({ path: v.path, message: violationMessage(v) })),
    warnings: result.warnings,
    apiDefaults: result.apiDefaults ?? [],
  };
}
