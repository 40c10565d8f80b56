/** Small helpers of the plain HTTP endpoints: JSON answers, bounded bodies, headers. */
import type http from "node:http";
import { DomainError } from "../errors.ts";
import type { RequestInfo } from "../resolvers/context.ts";
import { errorBody, HTTP_STATUS } from "../resolvers/errors.ts";

export function sendJson(res: http.ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

export function sendError(res: http.ServerResponse, err: DomainError, extraHeaders: Record<string, string> = {}): void {
  sendJson(res, HTTP_STATUS[err.code], errorBody(err), extraHeaders);
}

export function tooLarge(what: string, limit: number): DomainError {
  return new DomainError("PAYLOAD_TOO_LARGE", `${what} exceeds the limit of ${limit} bytes`);
}

/** Reads a request body up to `limit` bytes; past it, rejects with PAYLOAD_TOO_LARGE (the rest is not read). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return reject(tooLarge("request body", limit));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.pause();
        reject(tooLarge("request body", limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The request has a body that was not read to its end. */
export function bodyUnread(req: http.IncomingMessage): boolean {
  const length = req.headers["content-length"];
  const hasBody = req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  return hasBody && !req.readableEnded;
}

export function headersOf(req: http.IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers)) out[key] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

export function lowerKeys(params: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params ?? {})) if (typeof value === "string") out[key.toLowerCase()] = value;
  return out;
}

/**
 * What a module may read of an HTTP request — its headers and the client's
 * address — and a signal aborted when the client goes away before its
 * answer is written (its heavy jobs then stop).
 */
export function requestInfo(req: http.IncomingMessage, res: http.ServerResponse): RequestInfo {
  const gone = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) gone.abort(new DomainError("BAD_USER_INPUT", "the client went away"));
  });
  return { headers: headersOf(req), ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}), signal: gone.signal };
}

export function boolParam(v: string | null | undefined): boolean {
  return v != null && /^(1|true|yes|on)$/i.test(v);
}
