// The request handler: /mutate on node:http directly (mutate-handler.ts: the API server sends it for every
// Pod, so it skips the framework's per-request cost), every other route through express. Both read a body
// with request-body.ts and refuse with answers.ts, so they answer alike. Built from its dependencies so
// that tests can run it without TLS; the HTTPS server (https.ts) only wraps it.
import type { RequestListener } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { NamespaceLabels } from "../policy/choose.js";
import { preview, PreviewInputError } from "../admission/preview.js";
import type { Policy } from "../engine/types.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { notServedHere, refusals as createRefusals, statusBody, type Send } from "./answers.js";
import { isMutateUrl, mutateHandler } from "./mutate-handler.js";
import { BodyError, readJsonBody } from "./request-body.js";
import { admissionContext, requestFields, timeoutOf } from "./request-context.js";

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

/** Send for an express response. */
function expressSend(res: Response): Send {
  return (status, payload) => res.status(status).json(payload);
}

const PREVIEW_LISTENER = "this listener serves POST /preview (--preview-port)";

/** The request handler (a node:http RequestListener): /mutate, else the express app. */
export function createApp(deps: AppDependencies): RequestListener {
  const { logger, metrics, options } = deps;
  const refusals = createRefusals(logger, metrics);
  const routes = options.routes ?? "all";
  const mutate = mutateHandler(deps, refusals, routes === "preview" ? PREVIEW_LISTENER : undefined);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok\n");
  });

  const notHere = (why: string) => (req: Request, res: Response) => {
    res.status(404).json(statusBody(404, notServedHere(req.method, req.path, why)));
  };
  // The preview listener serves /preview and /healthz only (and /mutate answers 404 in mutate-handler.ts).
  if (routes === "preview") app.all(["/readyz", "/metrics"], notHere(PREVIEW_LISTENER));
  if (routes === "admission") app.all("/preview", notHere(options.previewElsewhere ?? "the preview is off (--preview=off)"));

  app.get("/readyz", (_req, res) => {
    const checks = deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ ready, checks });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.post("/preview", async (req, res) => {
    const send = expressSend(res);
    let body: unknown;
    try {
      body = await readJsonBody(req, '{"object", "namespace"?, "operation"?, "userInfo"?} or an AdmissionReview');
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      refusals.rejectBody(error, req.path, res, send);
      return;
    }
    const started = process.hrtime.bigint();
    try {
      const { request, answer } = await preview(body, admissionContext(deps, timeoutOf(req.url)));
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
      refusals.reject(send, req.path, 400, error.message, "bad preview request");
    }
  });

  app.all("/preview", (_req, res) => {
    res.status(405).set("Allow", "POST").json(statusBody(405, "/preview accepts POST only"));
  });

  app.use((req, res) => {
    res.status(404).json(statusBody(404, `no route for ${req.method} ${req.path}`));
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    refusals.internalError(error, req.path, res, expressSend(res));
  });

  return (req, res) => (isMutateUrl(req.url) ? mutate(req, res) : app(req, res));
}
