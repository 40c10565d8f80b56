/**
 * The input edge: a file or stdin, plain or gzip, read as a stream of
 * Buffers, and what the import learns of the whole content on the way
 * (`ContentScan`: sha256, size, fsids). Standard input is copied to a
 * temporary file first: an import may read its input again (a pre-scan when
 * a re-import is likely, a second pass when a second fsid shows up late).
 */
import { UUID_PATTERN } from "../names.ts";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { DomainError } from "../errors.ts";

/**
 * How far a gzip may inflate, checked while streaming: a 10 MB gzip of
 * comment lines or zeros holds gigabytes. `maxRatio` is checked once
 * `RATIO_FROM` bytes came out (a small file may compress well).
 */
export interface InflateLimits {
  /** Most decompressed bytes. */
  readonly maxBytes: number;
  /** Most decompressed bytes per compressed byte read. */
  readonly maxRatio: number;
}

/** Text logs compress 8–20:1; a bomb, hundreds to a thousand. */
export const DEFAULT_INFLATE_LIMITS: InflateLimits = { maxBytes: 16 * 2 ** 30, maxRatio: 100 };
const RATIO_FROM = 16 * 2 ** 20;

/** The limits of RACELAB_MAX_EXPANDED_BYTES and RACELAB_MAX_COMPRESSION_RATIO, else the defaults. */
export function inflateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): InflateLimits {
  const read = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new DomainError("BAD_USER_INPUT", `${name}: expected a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  return {
    maxBytes: read("RACELAB_MAX_EXPANDED_BYTES", DEFAULT_INFLATE_LIMITS.maxBytes),
    maxRatio: read("RACELAB_MAX_COMPRESSION_RATIO", DEFAULT_INFLATE_LIMITS.maxRatio),
  };
}

/** The content as a file: what reading it needs (it may be handed to a worker thread). */
export interface SourceFile {
  /** The name used in messages: the path as given, or `stdin`. */
  readonly display: string;
  /** A readable file with the content (stdin: a temporary copy). */
  readonly path: string;
  readonly gzip: boolean;
  /** Size of the file as stored (compressed size for gzip). */
  readonly size: number;
  readonly inflate: InflateLimits;
}

export interface Source extends SourceFile {
  close(): Promise<void>;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
// trace-cmd's binary trace.dat: "\x17\x08\x44tracing"
const TRACE_DAT_MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);
export const READ_CHUNK = 256 * 1024;

function invalid(message: string, cause?: unknown): DomainError {
  return new DomainError("INVALID_TRACE", message, cause === undefined ? undefined : { cause });
}

/** Opens `file` (`-` = `stdin`) and checks what kind of bytes it holds. */
export async function openSource(
  file: string,
  stdin: Readable = process.stdin,
  displayName?: string,
  inflate: InflateLimits = DEFAULT_INFLATE_LIMITS,
  tmpRoot: string = os.tmpdir(),
): Promise<Source> {
  let display = displayName ?? file;
  let filePath = file;
  let tmpDir: string | null = null;
  if (file === "-") {
    display = displayName ?? "stdin";
    tmpDir = await mkdtemp(path.join(tmpRoot, "racelab-stdin-"));
    filePath = path.join(tmpDir, "stdin");
    await pipeline(stdin, createWriteStream(filePath));
  }
  const close = async () => {
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  };
  try {
    let size: number;
    try {
      const st = await stat(filePath);
      if (st.isDirectory()) throw invalid(`${display}: is a directory`);
      size = st.size;
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw new DomainError("NOT_FOUND", `${display}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
    if (size === 0) throw invalid(`${display}: empty file`);
    const head = await readHead(filePath, 16);
    if (head.subarray(0, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC)) {
      throw invalid(`${display}: binary trace-cmd data; run \`trace-cmd report\` first`);
    }
    const gzip = head.subarray(0, 2).equals(GZIP_MAGIC);
    const src: Source = { display, path: filePath, gzip, size, inflate, close };
    if (gzip) {
      // A gzipped trace.dat is still binary.
      for await (const chunk of readChunks(src)) {
        if (chunk.subarray(0, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC)) {
          throw invalid(`${display}: binary trace-cmd data (gzip); run \`trace-cmd report\` first`);
        }
        break;
      }
    }
    return src;
  } catch (err) {
    await close();
    throw err;
  }
}

async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** How far the reading is through the file as stored (compressed bytes for gzip), for progress. */
export interface ReadPosition {
  bytes: number;
}

/**
 * The content as Buffers (decompressed for gzip). A corrupt gzip stream is an
 * INVALID_TRACE error; one that inflates past `src.inflate` is refused
 * (PAYLOAD_TOO_LARGE, naming the limit) as soon as it does.
 */
export async function* readChunks(src: SourceFile, position?: ReadPosition): AsyncGenerator<Buffer> {
  const file = createReadStream(src.path, { highWaterMark: READ_CHUNK });
  if (!src.gzip) {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      if (position) position.bytes = file.bytesRead;
      yield chunk;
    }
    return;
  }
  const gunzip = createGunzip({ chunkSize: READ_CHUNK });
  file.on("error", (err) => gunzip.destroy(err));
  file.pipe(gunzip);
  const { maxBytes, maxRatio } = src.inflate;
  let out = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (position) position.bytes = file.bytesRead;
      out += chunk.length;
      if (out > maxBytes) {
        throw new DomainError("PAYLOAD_TOO_LARGE", `${src.display}: decompresses to more than ${maxBytes} bytes (RACELAB_MAX_EXPANDED_BYTES)`);
      }
      if (out > RATIO_FROM && out > maxRatio * file.bytesRead) {
        throw new DomainError(
          "PAYLOAD_TOO_LARGE",
          `${src.display}: decompresses more than ${maxRatio}:1 (${out} bytes from the first ${file.bytesRead}), not a text log (RACELAB_MAX_COMPRESSION_RATIO)`,
        );
      }
      yield chunk;
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw invalid(`${src.display}: corrupt gzip data: ${(err as Error).message}`, err);
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

export interface Prescan {
  /** sha256 of the (decompressed) content, hex. */
  readonly hash: string;
  readonly bytes: number;
  /** The content shows more than one fsid (DOMAIN.md §6.3 Filesystem). */
  readonly multipleFsids: boolean;
}

// `: ee24aaec-78d8-4bb8-a596-09a234d3cdd9:` — the fsid prefix of a ≥4.8 btrfs tracepoint
const UUID = UUID_PATTERN;
const FSID = new RegExp(`: (${UUID}):`);
/** Longer than `: <fsid>:` (39 characters). */
const SEAM = 48;

/**
 * The content's hash, size, and whether tracepoints print more than one
 * fsid, fed the content's chunks in order (by a pre-scan or by the import
 * pass itself).
 */
export class ContentScan {
  private readonly sha = createHash("sha256");
  bytes = 0;
  /** True from the chunk that shows a second fsid on. */
  multipleFsids = false;
  private first: string | null = null;
  // Once one fsid is known, one regex test per chunk looks for any *other* fsid (no per-match work).
  private other: RegExp | null = null;
  private tail = "";

  push(chunk: Buffer): void {
    this.sha.update(chunk);
    this.bytes += chunk.length;
    if (this.multipleFsids) return;
    // latin1 keeps byte offsets. An fsid split across chunks is in the seam: the last bytes before and the
    // first after, searched apart (joining them to the whole chunk would copy it).
    const text = chunk.toString("latin1");
    const seam = this.tail + text.slice(0, SEAM);
    this.tail = text.length >= SEAM ? text.slice(-SEAM) : (this.tail + text).slice(-SEAM);
    for (const t of [seam, text]) {
      if (this.first === null) {
        const m = FSID.exec(t);
        if (!m) continue;
        this.first = m[1]!;
        this.other = new RegExp(`: (?!${this.first}:)${UUID}:`);
      }
      if (this.other!.test(t)) {
        this.multipleFsids = true;
        return;
      }
    }
  }

  /** sha256 of everything pushed, hex (once, at the end). */
  hash(): string {
    return this.sha.digest("hex");
  }
}

/** Feeds `scan` the whole content, read on its own (until `signal` aborts: then it stops reading, the scan incomplete). */
export async function scanAll(src: SourceFile, scan: ContentScan, signal?: AbortSignal): Promise<void> {
  for await (const chunk of readChunks(src)) {
    if (signal?.aborted) return;
    scan.push(chunk);
  }
}

/** One pass over the content: hash, size, and whether tracepoints print more than one fsid. */
export async function prescan(src: Source): Promise<Prescan> {
  const scan = new ContentScan();
  await scanAll(src, scan);
  if (scan.bytes === 0) throw invalid(`${src.display}: empty file`);
  return { hash: scan.hash(), bytes: scan.bytes, multipleFsids: scan.multipleFsids };
}
