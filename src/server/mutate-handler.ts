// Every request to /mutate, on node:http directly: the API server sends one POST per Pod, so this path
// skips the framework's per-request cost (docs/benchmarks.md, item 5). A POST is read (request-body.ts),
// admitted and answered with an AdmissionReview, then recorded in the metrics and the log; any other
// method gets a 405; a listener that does not serve /mutate (the preview listener) answers 404.
import type { IncomingMessage, ServerResponse } from "node:http";
import { admit, type AdmissionOutcome } from "../admission/admit.js";
import { errorResponse } from "../admission/response.js";
import { admissionReview, parseAdmissionReview, ReviewError, type AdmissionRequest } from "../admission/review.js";
import { policyLabel } from "../admission/warn-response.js";
import { errorMessage, notServedHere, statusBody, writeJson, type Refusals, type Send } from "./answers.js";
import type { AppDependencies } from "./app.js";
import { BodyError, readJsonBody } from "./request-body.js";
import { admissionContext, requestFields, splitUrl, timeoutOf } from "./request-context.js";

const PATH = "/mutate";

/** Whether a request URL is for /mutate (as express matches a route: any case, an optional trailing slash). */
export function isMutateUrl(url: string | undefined): boolean {
  return url !== undefined && /^\/mutate\/?(?:\?|$)/i.test(url);
}

/**
 * The /mutate handler. `notServed`, when given, is why this listener does not serve /mutate (the 404
 * message says so).
 */
export function mutateHandler(deps: AppDependencies, refusals: Refusals, notServed?: string): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger, metrics, options } = deps;

  /** Answers one parsed body through `send`, then records the metrics and the log line. */
  async function answer(body: unknown, url: string | undefined, send: Send): Promise<void> {
    const started = process.hrtime.bigint();
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(body);
    } catch (error) {
      if (!(error instanceof ReviewError)) throw error;
      refusals.reject(send, PATH, 400, error.message, "bad admission request");
      return;
    }

    const timeoutMs = timeoutOf(url);
    let outcome: AdmissionOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await admit(request, admissionContext(deps, timeoutMs));
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

  async function post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send: Send = (status, payload) => writeJson(res, status, payload);
    try {
      await answer(await readJsonBody(req, "an AdmissionReview"), req.url, send);
    } catch (error) {
      if (error instanceof BodyError) refusals.rejectBody(error, PATH, res, send);
      else refusals.internalError(error, PATH, res, send);
    }
  }

  return (req, res) => {
    if (notServed !== undefined) {
      writeJson(res, 404, statusBody(404, notServedHere(req.method, splitUrl(req.url).path, notServed)));
    } else if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      writeJson(res, 405, statusBody(405, `${PATH} accepts POST only`));
    } else {
      void post(req, res);
    }
  };
}
