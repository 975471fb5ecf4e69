// The request handler: express for every route, with one fast path in front of it. A plain `POST /mutate`
// (what the API server sends, for every Pod) is read, answered and written straight on node:http, without
// the framework's per-request cost (docs/benchmarks.md); a compressed or non-UTF-8 body, and every other
// route, go through express. Both paths share the admission code below, so they answer alike. Built from
// its dependencies so that tests can run it without TLS; the HTTPS server (https.ts) only wraps it.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { admit, type AdmissionContext, type AdmissionOutcome } from "../admission/admit.js";
import type { NamespaceLabels } from "../policy/choose.js";
import { preview, PreviewInputError } from "../admission/preview.js";
import { policyLabel } from "../admission/warn-response.js";
import { errorResponse } from "../admission/response.js";
import { admissionReview, parseAdmissionReview, ReviewError, type AdmissionRequest } from "../admission/review.js";
import type { Policy } from "../engine/types.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { parseDuration } from "./duration.js";
import { BodyError, MAX_JSON_DEPTH, needsBodyParser, nestedDeeperThan, parseJsonBody, readBody, TOO_DEEP } from "./request-body.js";

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
    /**
     * Which routes this handler serves: "all" (default); "admission" (all but /preview, which answers 404
     * saying why: `previewElsewhere`); "preview" (only /preview and /healthz, for its own listener).
     */
    routes?: "all" | "admission" | "preview";
    /** The 404 message for /preview when routes is "admission", e.g. where /preview is served instead. */
    previewElsewhere?: string;
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

const TOO_LARGE = `the request body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MiB`;
const REVIEW_BODY = "an AdmissionReview";

/** The 400 message for an empty body, naming what the route expects. */
function emptyBody(expected: string): string {
  return `the request body is empty: POST ${expected}`;
}

function clientErrorMessage(error: HttpError): string {
  switch (error.type) {
    case "entity.too.large":
      return TOO_LARGE;
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

/** Sends a JSON answer with the given status. */
type Send = (status: number, payload: unknown) => void;

/** Writes a JSON answer on node:http directly (what res.json does, without its content negotiation). */
function writeJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** A request URL split into its path and its query (after the `?`, if any). */
function splitUrl(url: string | undefined): { path: string; query?: string } {
  const at = url?.indexOf("?") ?? -1;
  return at < 0 ? { path: url ?? "" } : { path: url!.slice(0, at), query: url!.slice(at + 1) };
}

/** The API server's `?timeout=10s` on the webhook URL, in ms, if given. */
export function timeoutOf(url: string | undefined): number | undefined {
  const { query } = splitUrl(url);
  return query === undefined ? undefined : parseDuration(new URLSearchParams(query).get("timeout") ?? undefined);
}

/** Send for an express response. */
function expressSend(res: Response): Send {
  return (status, payload) => res.status(status).json(payload);
}

/**
 * The request handler (a node:http RequestListener): the `POST /mutate` fast path, else the express app.
 */
export function createApp(deps: AppDependencies): RequestListener {
  const { logger, metrics, options } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  const bodyLength = new WeakMap<object, number>();
  const parseJson = express.json({
    limit: BODY_LIMIT_BYTES,
    type: () => true,
    strict: true,
    verify: (req, _res, buf) => bodyLength.set(req, buf.length),
  });

  /** A 4xx answer as a Kubernetes Status, counted and logged (never with the body). */
  function rejectRequest(send: Send, path: string, status: number, message: string, what = "bad request"): void {
    metrics.errors.inc({ type: "bad_request" });
    logger.warn(what, { path, status, error: message });
    send(status, statusBody(status, message));
  }

  const requireBody = (expected: string) => (req: Request, res: Response, next: NextFunction) => {
    if (bodyLength.get(req)) return next();
    rejectRequest(expressSend(res), req.path, 400, emptyBody(expected));
  };

  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok\n");
  });

  const routes = options.routes ?? "all";
  const notHere = (message: string) => (req: Request, res: Response) => {
    res.status(404).json(statusBody(404, `${req.method} ${req.path} is not served on this port: ${message}`));
  };
  if (routes === "preview") {
    // The preview listener: /preview and /healthz only.
    app.all(["/mutate", "/readyz", "/metrics"], notHere("this listener serves POST /preview (--preview-port)"));
  }
  if (routes === "admission") app.all("/preview", notHere(options.previewElsewhere ?? "the preview is off (--preview=off)"));

  app.get("/readyz", (_req, res) => {
    const checks = deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ ready, checks });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  function context(timeoutMs: number | undefined): AdmissionContext {
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
      user: request.userInfo?.username || undefined,
      dryRun: request.dryRun || undefined,
    };
  }

  /** Answers one parsed `/mutate` body through `send`, then records the metrics and the log line. */
  async function mutate(body: unknown, url: string | undefined, send: Send): Promise<void> {
    const started = process.hrtime.bigint();
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
      rejectRequest(send, "/mutate", 400, TOO_DEEP, "bad admission request");
      return;
    }
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(body);
    } catch (error) {
      if (!(error instanceof ReviewError)) throw error;
      rejectRequest(send, "/mutate", 400, error.message, "bad admission request");
      return;
    }

    const timeoutMs = timeoutOf(url);
    let outcome: AdmissionOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await admit(request, context(timeoutMs));
    } catch (error) {
      failure = error;
    }
    const response = outcome?.response ?? errorResponse(request.uid, options.onError, errorMessage(failure));
    send(200, admissionReview(response));

    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const result = failure !== undefined ? "error" : response.allowed ? "allowed" : "denied";
    const mutated = response.patch ? "true" : "false";
    metrics.requestDuration.observe({ operation: request.operation, result, mutated }, durationMs / 1000);
    if (result === "denied") metrics.denials.inc({ operation: request.operation });
    if (outcome?.wouldDo && outcome.result) {
      metrics.warnMode.inc({ namespace: request.namespace, policy: policyLabel(outcome.result), outcome: outcome.wouldDo });
    }
    const fields = {
      ...requestFields(request),
      route: outcome?.route,
      policy: outcome?.result?.policy,
      allowed: response.allowed,
      mode: outcome?.mode === "warn" ? "warn" : undefined,
      wouldDo: outcome?.wouldDo,
      patchOperations: outcome?.patchOperations ?? 0,
      durationMs: Math.round(durationMs * 1000) / 1000,
    };
    if (timeoutMs !== undefined && durationMs > timeoutMs) {
      logger.warn("answered after the API server's timeout", { uid: request.uid, durationMs: fields.durationMs, timeoutMs });
    }
    if (failure !== undefined) {
      metrics.errors.inc({ type: "internal" });
      logger.error("admission failed", { ...fields, onError: options.onError, error: errorMessage(failure), stack: (failure as Error)?.stack });
    } else {
      logger.info("admission", fields);
    }
  }

  app.post("/mutate", parseJson, requireBody(REVIEW_BODY), async (req, res) => {
    await mutate(req.body, req.url, expressSend(res));
  });

  app.post("/preview", parseJson, requireBody('{"object", "namespace"?, "operation"?, "userInfo"?} or an AdmissionReview'), async (req, res) => {
    const started = process.hrtime.bigint();
    if (nestedDeeperThan(req.body, MAX_JSON_DEPTH)) {
      rejectRequest(expressSend(res), req.path, 400, TOO_DEEP, "bad preview request");
      return;
    }
    try {
      const { request, answer } = await preview(req.body, context(timeoutOf(req.url)));
      res.json(answer);
      logger.info("preview", {
        ...requestFields(request),
        policy: answer.policy ?? undefined,
        allowed: answer.allowed,
        mode: answer.mode === "warn" ? "warn" : undefined,
        patchOperations: answer.patch.length,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1000) / 1000,
      });
    } catch (error) {
      if (!(error instanceof PreviewInputError)) throw error;
      rejectRequest(expressSend(res), req.path, 400, error.message, "bad preview request");
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

  /** An error no route handled: a 4xx for the client's mistakes, else a 500 that is counted and logged. */
  function answerError(error: HttpError, path: string, res: ServerResponse, send: Send): void {
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      rejectRequest((s, payload) => (res.headersSent ? undefined : send(s, payload)), path, status, clientErrorMessage(error));
      return;
    }
    metrics.errors.inc({ type: "internal" });
    logger.error("internal error", { path, error: errorMessage(error), stack: error?.stack });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(500, statusBody(500, "internal error; see the webhook's log"));
  }

  app.use((error: HttpError, req: Request, res: Response, _next: NextFunction) => {
    answerError(error, req.path, res, expressSend(res));
  });

  /** `POST /mutate` with a plain JSON body, on node:http. */
  async function fastMutate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send: Send = (status, payload) => writeJson(res, status, payload);
    try {
      const raw = await readBody(req, BODY_LIMIT_BYTES, TOO_LARGE);
      if (raw.length === 0) {
        rejectRequest(send, "/mutate", 400, emptyBody(REVIEW_BODY));
        return;
      }
      await mutate(parseJsonBody(raw), req.url, send);
    } catch (error) {
      if (error instanceof BodyError) {
        // Over the limit the rest of the body is discarded, so the connection cannot be reused.
        if (error.status === 413) res.setHeader("Connection", "close");
        rejectRequest(send, "/mutate", error.status, error.message);
        return;
      }
      answerError(error as HttpError, "/mutate", res, send);
    }
  }

  return (req, res) => {
    if (routes !== "preview" && req.method === "POST" && splitUrl(req.url).path === "/mutate" && !needsBodyParser(req)) {
      void fastMutate(req, res);
      return;
    }
    app(req, res);
  };
}
