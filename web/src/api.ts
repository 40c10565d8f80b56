/**
 * The page's only ways out: POST /graphql and POST /upload, both on the
 * page's own origin. The bearer token (exercises) rides along on every call
 * once a user signed in.
 */
import type { LineBuckets } from "../../src/ftrace/report.ts";

export interface GqlErrorBody {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly field?: string };
}

/** A GraphQL or HTTP error, with the server's code (BAD_USER_INPUT, FORBIDDEN, …). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let token: string | null = null;

/** Sets (or clears) the bearer token sent with every request. */
export function setToken(t: string | null): void {
  token = t && t.trim() ? t.trim() : null;
}

function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * A GraphQL document (queries.ts) tagged with the result and variables types
 * that codegen derived from it (generated/graphql.ts): gql() infers both, so a
 * call cannot claim another shape than the schema gives.
 */
export type Operation<Result, Variables> = string & { readonly __types?: readonly [Result, Variables] };

export async function gql<T, V>(query: Operation<T, V>, variables: V, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch("graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...authHeaders() },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(`cannot reach the racelab server (${(err as Error).message})`, null);
  }
  let body: { data?: T | null; errors?: GqlErrorBody[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError(`the server answered ${res.status} ${res.statusText} without JSON`, null);
  }
  const first = body.errors?.[0];
  if (first) {
    const field = first.extensions?.field;
    const msg = field && !first.message.startsWith(field) ? `${field}: ${first.message}` : first.message;
    throw new ApiError(msg, first.extensions?.code ?? null);
  }
  if (body.data == null) throw new ApiError(`the server answered ${res.status} without data`, null);
  return body.data;
}

export interface UploadResult {
  readonly trace: { readonly id: string; readonly name: string; readonly version: number };
  readonly events: number;
  readonly lines: number;
  readonly skipped: readonly number[];
  readonly unmapped: Readonly<Record<string, number>> | readonly { name: string; count: number }[];
  /** Every line of the file counted once, as events / context / noise, in all and by name (most lines first); null for a duplicate's old report. */
  readonly lineBuckets?: LineBuckets | null;
  readonly duplicate: boolean;
}

export interface UploadProgress {
  readonly phase: "sending" | "importing";
  readonly loaded: number;
  readonly total: number;
}

export interface UploadOptions {
  readonly name?: string;
  readonly format?: string;
  readonly skipInvalid?: boolean;
  readonly onProgress: (p: UploadProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * Sends a log to POST /upload as a raw body (the server spools it, then
 * imports it). XMLHttpRequest rather than fetch: only it reports upload progress.
 */
export function uploadLog(file: File, opts: UploadOptions): Promise<UploadResult> {
  const params = new URLSearchParams({ fileName: file.name });
  if (opts.name) params.set("name", opts.name);
  if (opts.format) params.set("format", opts.format);
  if (opts.skipInvalid) params.set("skipInvalid", "true");
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `upload?${params}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("x-racelab-upload", "1");
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => opts.onProgress({ phase: "sending", loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    // All bytes sent: the server now parses and stores the log.
    xhr.upload.onload = () => opts.onProgress({ phase: "importing", loaded: file.size, total: file.size });
    xhr.onerror = () => reject(new ApiError("upload failed: the connection to the server broke", null));
    xhr.onabort = () => reject(new ApiError("upload cancelled", null));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new ApiError(`upload: the server answered ${xhr.status} without JSON`, null));
        return;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as UploadResult);
        return;
      }
      const err = (body as { errors?: GqlErrorBody[] }).errors?.[0];
      reject(new ApiError(err?.message ?? `upload: HTTP ${xhr.status}`, err?.extensions?.code ?? null));
    };
    opts.signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}
