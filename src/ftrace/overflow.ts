/**
 * A temporary file as the output queue's overflow (`Overflow` in
 * importer.ts): lines appended at the end, read back from the front, with
 * bounded buffers on both sides. Synchronous: the importer's queue is.
 * The file is created on the first append and unlinked at once (it lives on
 * through its descriptor), so nothing is left behind even if the process is
 * killed.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Overflow } from "./importer.ts";

const FLUSH_BYTES = 1 << 20;
const READ_BYTES = 1 << 20;

export class FileOverflow implements Overflow {
  private fd: number | null = null;
  private pendingWrite: string[] = [];
  private pendingBytes = 0;
  private written = 0;
  private readAt = 0;
  private readLines: string[] = [];
  private readIndex = 0;
  private remainder = "";
  private closed = false;

  constructor(private readonly tmpRoot = os.tmpdir()) {}

  private file(): number {
    if (this.fd === null) {
      const dir = mkdtempSync(path.join(this.tmpRoot, "racelab-import-"));
      const file = path.join(dir, "overflow.jsonl");
      this.fd = openSync(file, "w+");
      unlinkSync(file);
      rmSync(dir, { recursive: true, force: true });
    }
    return this.fd;
  }

  append(line: string): void {
    this.pendingWrite.push(line);
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  next(): string | null {
    if (this.readIndex < this.readLines.length) return this.readLines[this.readIndex++]!;
    if (this.readAt >= this.written) this.flush();
    if (this.readAt >= this.written) return null;
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, this.written - this.readAt));
    const n = readSync(this.file(), buf, 0, buf.length, this.readAt);
    this.readAt += n;
    const text = this.remainder + buf.toString("utf8", 0, n);
    const cut = text.lastIndexOf("\n");
    this.remainder = text.slice(cut + 1);
    this.readLines = cut < 0 ? [] : text.slice(0, cut).split("\n");
    this.readIndex = 0;
    return this.next();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
  }

  private flush(): void {
    if (this.pendingWrite.length === 0) return;
    const data = Buffer.from(`${this.pendingWrite.join("\n")}\n`);
    this.pendingWrite = [];
    this.pendingBytes = 0;
    writeSync(this.file(), data, 0, data.length, this.written);
    this.written += data.length;
  }
}
