/**
 * POST /upload[?name=&format=&skipInvalid=&fileName=]: a large log as
 * multipart/form-data (one file part) or a raw body, spooled to a temporary
 * file, then imported. The importer names a trace after the client's file
 * unless given a name; messages never show our spool path.
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import type http from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { DomainError } from "../errors.ts";
import { createRequestContext, type ApiDeps, type ApiLimits, type ImportOptions } from "../resolvers/context.ts";
import type { ImportResult } from "../resolvers/models.ts";
import { boolParam, requestInfo, sendJson, tooLarge } from "./http.ts";

/** Browsers send simple cross-site POSTs without a preflight; uploads must prove they are not one (as Apollo's CSRF rule). */
function uploadLooksCrossSite(req: http.IncomingMessage): boolean {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const simple = type === "" || type === "text/plain" || type === "multipart/form-data" || type === "application/x-www-form-urlencoded";
  return simple && req.headers["x-racelab-upload"] === undefined && req.headers["apollo-require-preflight"] === undefined;
}

export async function handleUpload(deps: ApiDeps, limits: ApiLimits, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (uploadLooksCrossSite(req)) {
    throw new DomainError("BAD_USER_INPUT", "upload: send a non-simple Content-Type (e.g. application/octet-stream) or an X-Racelab-Upload header");
  }
  // Before a byte of the body is read: a refused client must not get to send a gigabyte first.
  const ctx = await createRequestContext(deps, limits, requestInfo(req, res));
  await ctx.traceAccess.authorizeWrite("upload", null);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxUploadBytes) throw tooLarge("upload", limits.maxUploadBytes);
  const dir = mkdtempSync(path.join(deps.spoolDir, "upload-"));
  try {
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const isMultipart = (req.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data");
    const file = isMultipart
      ? await spoolMultipart(req, dir, params, limits.maxUploadBytes)
      : await spoolRaw(req, path.join(dir, safeFileName(params.fileName)), limits.maxUploadBytes);
    const options: ImportOptions = {
      name: params.name || null,
      format: params.format || null,
      skipInvalid: boolParam(params.skipInvalid),
      displayName: path.basename(file),
      owner: ctx.traceAccess.newOwner(),
    };
    const report: ImportResult = await ctx.importer.importFile(file, options);
    // The fields of GraphQL's ImportReport (its trace as id, name, version).
    const { trace, warningCounts, ...rest } = report;
    sendJson(res, 200, { trace: { id: trace.id, name: trace.name, version: trace.version }, ...rest, warnings: warningCounts });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client's file name as a plain name inside our spool folder. */
function safeFileName(name: string | null | undefined): string {
  const base = path.basename((name ?? "").replace(/\\/g, "/")).replace(/[^A-Za-z0-9._-]/g, "_");
  return base && base !== "." && base !== ".." ? base : "upload";
}

async function spoolRaw(req: http.IncomingMessage, file: string, limit: number): Promise<string> {
  let size = 0;
  const out = createWriteStream(file);
  await pipeline(
    req,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw tooLarge("upload", limit);
        yield chunk;
      }
    },
    out,
  );
  if (size === 0) throw new DomainError("BAD_USER_INPUT", "upload: empty body");
  return file;
}

/** Spools the one file part into `dir` under its own name; fields `name`, `format`, `skipInvalid` fill `params` unless given in the URL. */
function spoolMultipart(req: http.IncomingMessage, dir: string, params: Record<string, string>, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: limit, fields: 10, fieldSize: 64 * 1024 } });
    } catch (err) {
      reject(new DomainError("BAD_USER_INPUT", `upload: ${(err as Error).message}`));
      return;
    }
    let file = "";
    let written: Promise<void> | null = null;
    let failed = false;
    const fail = (err: DomainError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    parser.on("field", (name, value) => {
      if (["name", "format", "skipInvalid"].includes(name) && params[name] === undefined) params[name] = value;
    });
    parser.on("file", (_field, stream, info) => {
      if (written) {
        stream.resume();
        return;
      }
      file = path.join(dir, safeFileName(info.filename));
      stream.on("limit", () => fail(tooLarge("upload", limit)));
      written = pipeline(stream, createWriteStream(file));
    });
    parser.on("filesLimit", () => fail(new DomainError("BAD_USER_INPUT", "upload: send one file")));
    parser.on("error", (err: Error) => fail(new DomainError("BAD_USER_INPUT", `upload: ${err.message}`)));
    parser.on("close", () => {
      if (failed) return;
      if (!written) return fail(new DomainError("BAD_USER_INPUT", "upload: no file part in the form"));
      written.then(
        () => (failed ? undefined : existsSync(file) && statSync(file).size > 0 ? resolve(file) : fail(new DomainError("BAD_USER_INPUT", "upload: empty file"))),
        (err: Error) => fail(new DomainError("BAD_USER_INPUT", `upload: ${err.message}`)),
      );
    });
    req.pipe(parser);
  });
}
