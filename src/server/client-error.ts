// Requests node:http refuses before any route sees them (a malformed request line or header, both
// Content-Length and Transfer-Encoding, headers too large): answered with a Kubernetes Status in JSON,
// like every other refusal, instead of node's bare `400 Bad Request` without a body.
import type { Duplex } from "node:stream";

const REASONS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, "RequestHeaderFieldsTooLarge", "the request headers are too large"],
  HPE_UNEXPECTED_CONTENT_LENGTH: [400, "BadRequest", "the request has both Content-Length and Transfer-Encoding"],
  HPE_INVALID_TRANSFER_ENCODING: [400, "BadRequest", "the request has both Content-Length and Transfer-Encoding, or an invalid Transfer-Encoding"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Timeout", "the request was not received in time"],
};

/** The raw HTTP/1.1 answer to a request node:http could not parse (`code` is the parser's error code). */
export function clientErrorAnswer(code: string | undefined): string {
  const [status, reason, message] = REASONS[code ?? ""] ?? [400, "BadRequest", "the request is not valid HTTP/1.1"];
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: status, reason, message });
  const text = status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request";
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** A `clientError` listener: the JSON answer when the socket can still take it, then the socket closes. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (socket.writable && !(error.code === "ECONNRESET")) socket.end(clientErrorAnswer(error.code));
  else socket.destroy();
}
