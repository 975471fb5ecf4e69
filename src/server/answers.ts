// The answers that are not an AdmissionReview or a preview: a Kubernetes Status in JSON, for the client's
// mistakes (4xx: counted and logged, never with the body) and for internal errors (500: counted and logged
// with the stack). Shared by the /mutate handler (node:http) and the express routes.
import type { ServerResponse } from "node:http";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { BodyError } from "./request-body.js";

const REASONS: Record<number, string> = {
  404: "NotFound",
  405: "MethodNotAllowed",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
};

/** A Kubernetes-style Status body for answers that are not AdmissionReviews (4xx, 5xx). */
export function statusBody(code: number, message: string) {
  const reason = REASONS[code] ?? (code < 500 ? "BadRequest" : "InternalError");
  return { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message };
}

/** The 404 message for a route this listener does not serve, and why. */
export function notServedHere(method: string | undefined, path: string, why: string): string {
  return `${method} ${path} is not served on this port: ${why}`;
}

/** Sends a JSON answer with the given status. */
export type Send = (status: number, payload: unknown) => void;

/** Writes a JSON answer on node:http directly (what res.json does, without its content negotiation). */
export function writeJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface Refusals {
  /** A 4xx answer as a Kubernetes Status, counted and logged as `what`. */
  reject(send: Send, path: string, status: number, message: string, what?: string): void;
  /** The answer to a body that was not read (request-body.ts). */
  rejectBody(error: BodyError, path: string, res: ServerResponse, send: Send): void;
  /** An error no route handled: a 500, counted and logged (the connection is closed if the answer started). */
  internalError(error: unknown, path: string, res: ServerResponse, send: Send): void;
}

export function refusals(logger: Logger, metrics: Metrics): Refusals {
  const reject: Refusals["reject"] = (send, path, status, message, what = "bad request") => {
    metrics.errors.inc({ type: "bad_request" });
    logger.warn(what, { path, status, error: message });
    send(status, statusBody(status, message));
  };
  return {
    reject,
    rejectBody(error, path, res, send) {
      if (error.closeConnection) res.setHeader("Connection", "close");
      reject(send, path, error.status, error.message);
    },
    internalError(error, path, res, send) {
      metrics.errors.inc({ type: "internal" });
      logger.error("internal error", { path, error: errorMessage(error), stack: (error as Error)?.stack });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(500, statusBody(500, "internal error; see the webhook's log"));
    },
  };
}
