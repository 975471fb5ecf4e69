// The express app: routes, body limit, health, metrics, error answers. Built from its dependencies so
// that tests can run it without TLS; the HTTPS server (https.ts) only wraps it.
import express, { type NextFunction, type Request, type Response } from "express";
import { admit, type AdmissionContext, type AdmissionOutcome } from "../admission/admit.js";
import type { NamespaceLabels } from "../admission/decide.js";
import { preview, PreviewInputError } from "../admission/preview.js";
import { errorResponse } from "../admission/response.js";
import { admissionReview, parseAdmissionReview, ReviewError, type AdmissionRequest } from "../admission/review.js";
import type { Policy } from "../engine/types.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { parseDuration } from "./duration.js";

/** Largest request body accepted (the API server's own limit for an object is 3 MiB). */
export const BODY_LIMIT_BYTES = 3 * 1024 * 1024;

export type OnError = "deny" | "allow";

export interface AppDependencies {
  /** The policy set serving right now (read once per request). */
  policies(): readonly Policy[];
  /**
   * Labels of a namespace, or undefined when no cluster is connected. May wait up to `waitMs` for a
   * namespace the cache has not seen yet, then reject.
   */
  namespaceLabels(namespace: string, waitMs: number): Promise<NamespaceLabels | undefined>;
  /** Named readiness checks; the webhook is ready when all are true. */
  readiness(): Record<string, boolean>;
  logger: Logger;
  metrics: Metrics;
  options: {
    defaultPolicy?: string;
    onError: OnError;
    /** Longest wait for a namespace missing from the cache; default 2000 ms (also capped by ?timeout). */
    namespaceWaitMs?: number;
  };
}

interface HttpError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
}

/** A Kubernetes-style Status body for answers that are not AdmissionReviews (4xx, 5xx). */
function statusBody(code: number, message: string) {
  const reason = code === 413 ? "RequestEntityTooLarge" : code === 404 ? "NotFound" : code === 405 ? "MethodNotAllowed" : code < 500 ? "BadRequest" : "InternalError";
  return { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message };
}

function clientErrorMessage(error: HttpError): string {
  switch (error.type) {
    case "entity.too.large":
      return `the request body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MiB`;
    case "entity.parse.failed":
      return `the request body is not valid JSON: ${error.message}`;
    case "encoding.unsupported":
    case "charset.unsupported":
      return error.message;
    case "request.aborted":
      return "the client aborted the request";
    default:
      return error.message;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createApp(deps: AppDependencies): express.Express {
  const { logger, metrics, options } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((_req, res, next) => {
    metrics.inFlight.inc();
    let counted = true;
    res.once("close", () => {
      if (counted) metrics.inFlight.dec();
      counted = false;
    });
    next();
  });

  const bodyLength = new WeakMap<object, number>();
  const parseJson = express.json({
    limit: BODY_LIMIT_BYTES,
    type: () => true,
    strict: true,
    verify: (req, _res, buf) => bodyLength.set(req, buf.length),
  });
  const requireBody = (expected: string) => (req: Request, res: Response, next: NextFunction) => {
    if (bodyLength.get(req)) return next();
    metrics.errors.inc({ type: "bad_request" });
    logger.warn("bad request", { path: req.path, status: 400, error: "empty body" });
    res.status(400).json(statusBody(400, `the request body is empty: POST ${expected}`));
  };

  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok\n");
  });

  app.get("/readyz", (_req, res) => {
    const checks = deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ ready, checks });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  /** The API server's `?timeout=10s`, in ms, if given. */
  function timeoutOf(req: Request): number | undefined {
    return parseDuration(typeof req.query.timeout === "string" ? req.query.timeout : undefined);
  }

  function context(req: Request): AdmissionContext {
    const timeoutMs = timeoutOf(req);
    const configured = options.namespaceWaitMs ?? 2000;
    // Leave the API server's timeout room for the answer itself.
    const waitMs = timeoutMs === undefined ? configured : Math.min(configured, Math.floor(timeoutMs / 2));
    return {
      policies: deps.policies(),
      defaultPolicy: options.defaultPolicy,
      namespaceLabels: (namespace) => deps.namespaceLabels(namespace, waitMs),
    };
  }

  function requestFields(request: AdmissionRequest) {
    return {
      uid: request.uid,
      namespace: request.namespace,
      name: request.name,
      kind: request.kind.kind,
      resource: request.resource.resource,
      subResource: request.subResource || undefined,
      operation: request.operation,
      dryRun: request.dryRun || undefined,
    };
  }

  app.post("/mutate", parseJson, requireBody("an AdmissionReview"), async (req, res) => {
    const started = process.hrtime.bigint();
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(req.body);
    } catch (error) {
      if (!(error instanceof ReviewError)) throw error;
      metrics.errors.inc({ type: "bad_request" });
      logger.warn("bad admission request", { path: req.path, status: 400, error: error.message });
      res.status(400).json(statusBody(400, error.message));
      return;
    }

    let outcome: AdmissionOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await admit(request, context(req));
    } catch (error) {
      failure = error;
    }
    const response = outcome?.response ?? errorResponse(request.uid, options.onError, errorMessage(failure));
    res.json(admissionReview(response));

    const durationMs = elapsedMs();
    const result = failure !== undefined ? "error" : response.allowed ? "allowed" : "denied";
    const mutated = response.patch ? "true" : "false";
    metrics.requestDuration.observe({ operation: request.operation, result, mutated }, durationMs / 1000);
    if (result === "denied") metrics.denials.inc({ operation: request.operation });
    const fields = {
      ...requestFields(request),
      route: outcome?.route,
      policy: outcome?.result?.policy,
      allowed: response.allowed,
      patchOperations: outcome?.patchOperations ?? 0,
      durationMs: Math.round(durationMs * 1000) / 1000,
    };
    const timeoutMs = timeoutOf(req);
    if (timeoutMs !== undefined && durationMs > timeoutMs) {
      logger.warn("answered after the API server's timeout", { uid: request.uid, durationMs: fields.durationMs, timeoutMs });
    }
    if (failure !== undefined) {
      metrics.errors.inc({ type: "internal" });
      logger.error("admission failed", { ...fields, onError: options.onError, error: errorMessage(failure), stack: (failure as Error)?.stack });
    } else {
      logger.info("admission", fields);
    }
  });

  app.post("/preview", parseJson, requireBody('{"object", "namespace"?, "operation"?} or an AdmissionReview'), async (req, res) => {
    const started = process.hrtime.bigint();
    try {
      const { request, answer } = await preview(req.body, context(req));
      res.json(answer);
      logger.info("preview", {
        ...requestFields(request),
        policy: answer.policy ?? undefined,
        allowed: answer.allowed,
        patchOperations: answer.patch.length,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1000) / 1000,
      });
    } catch (error) {
      if (!(error instanceof PreviewInputError)) throw error;
      metrics.errors.inc({ type: "bad_request" });
      logger.warn("bad preview request", { path: req.path, status: 400, error: error.message });
      res.status(400).json(statusBody(400, error.message));
    }
  });

  for (const path of ["/mutate", "/preview"]) {
    app.all(path, (_req, res) => {
      res.status(405).set("Allow", "POST").json(statusBody(405, `${path} accepts POST only`));
    });
  }

  app.use((req, res) => {
    res.status(404).json(statusBody(404, `no route for ${req.method} ${req.path}`));
  });

  app.use((error: HttpError, req: Request, res: Response, _next: NextFunction) => {
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = clientErrorMessage(error);
      metrics.errors.inc({ type: "bad_request" });
      logger.warn("bad request", { path: req.path, status, error: message });
      if (!res.headersSent) res.status(status).json(statusBody(status, message));
      return;
    }
    metrics.errors.inc({ type: "internal" });
    logger.error("internal error", { path: req.path, error: errorMessage(error), stack: error?.stack });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).json(statusBody(500, "internal error; see the webhook's log"));
  });

  return app;
}
