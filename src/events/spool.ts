/**
 * Text set aside during an import and read back at its end: an unlinked
 * temporary file (it lives on through its descriptor, so nothing is left
 * behind even if the process is killed), written and read in bounded
 * pieces. The store spools the import's source lines here so that they are
 * written after its events in one COPY, rather than by interrupting the
 * events' COPY (one connection runs one COPY at a time) or by being held in
 * memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const FLUSH_BYTES = 1 << 20;

export class TextSpool {
  private fd: number | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;

  /** Bytes spooled so far. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  /** UTF-8 text, as bytes the caller gives up (kept until written out). */
  append(b: Uint8Array): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** The text spooled, in pieces of about `bytes` bytes cut after a newline (a character is never split). */
  *pieces(bytes = 8 << 20): Generator<string> {
    this.flush();
    if (this.fd === null) return;
    const buf = Buffer.allocUnsafe(bytes);
    let at = 0;
    let carry = Buffer.alloc(0);
    while (at < this.written) {
      const n = readSync(this.fd, buf, 0, Math.min(bytes, this.written - at), at);
      at += n;
      const chunk = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      const cut = at < this.written ? chunk.lastIndexOf(0x0a) + 1 : chunk.length;
      if (cut > 0) yield chunk.toString("utf8", 0, cut);
      carry = Buffer.from(chunk.subarray(cut));
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.pending = [];
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.fd === null) {
      const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-spool-"));
      const file = path.join(dir, "spool");
      this.fd = openSync(file, "w+");
      unlinkSync(file);
      rmSync(dir, { recursive: true, force: true });
    }
    writeSync(this.fd, data, 0, data.length, this.written);
    this.written += data.length;
  }
}
