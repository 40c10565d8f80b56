/**
 * The input edge: a file or stdin, plain or gzip, read as a stream of
 * Buffers. Standard input is copied to a temporary file first: the import
 * reads its input twice (a pre-scan for the content hash and the fsids, then
 * the import), and a re-import must be recognised before anything is written.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { DomainError } from "../errors.ts";

export interface Source {
  /** The name used in messages: the path as given, or `stdin`. */
  readonly display: string;
  /** A readable file with the content (stdin: a temporary copy). */
  readonly path: string;
  readonly gzip: boolean;
  /** Size of the file as stored (compressed size for gzip). */
  readonly size: number;
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
export async function openSource(file: string, stdin: Readable = process.stdin, displayName?: string): Promise<Source> {
  let display = displayName ?? file;
  let filePath = file;
  let tmpDir: string | null = null;
  if (file === "-") {
    display = displayName ?? "stdin";
    tmpDir = await mkdtemp(path.join(os.tmpdir(), "racelab-stdin-"));
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
    const src: Source = { display, path: filePath, gzip, size, close };
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

/** The content as Buffers (decompressed for gzip). A corrupt gzip stream is an INVALID_TRACE error. */
export async function* readChunks(src: Source): AsyncGenerator<Buffer> {
  const file = createReadStream(src.path, { highWaterMark: READ_CHUNK });
  if (!src.gzip) {
    yield* file as AsyncIterable<Buffer>;
    return;
  }
  const gunzip = createGunzip({ chunkSize: READ_CHUNK });
  file.on("error", (err) => gunzip.destroy(err));
  file.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    throw invalid(`${src.display}: corrupt gzip data: ${(err as Error).message}`, err);
  } finally {
    file.destroy();
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
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const FSID = new RegExp(`: (${UUID}):`);

/** One pass over the content: hash, size, and whether tracepoints print more than one fsid. */
export async function prescan(src: Source): Promise<Prescan> {
  const hash = createHash("sha256");
  let bytes = 0;
  let first: string | null = null;
  // Once one fsid is known, one regex test per chunk looks for any *other* fsid (no per-match work).
  let other: RegExp | null = null;
  let multiple = false;
  let tail = "";
  for await (const chunk of readChunks(src)) {
    hash.update(chunk);
    bytes += chunk.length;
    if (multiple) continue;
    // latin1 keeps byte offsets; the tail covers an fsid split across chunks.
    const text = tail + chunk.toString("latin1");
    tail = text.slice(-48);
    if (first === null) {
      const m = FSID.exec(text);
      if (!m) continue;
      first = m[1]!;
      other = new RegExp(`: (?!${first}:)${UUID}:`);
    }
    if (other!.test(text)) multiple = true;
  }
  if (bytes === 0) throw invalid(`${src.display}: empty file`);
  return { hash: hash.digest("hex"), bytes, multipleFsids: multiple };
}
