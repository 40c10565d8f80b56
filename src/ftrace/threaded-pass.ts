/**
 * `parsePass` in a worker thread (`parse-thread.ts`): the same messages, so
 * that the importing thread only writes the rows to the database while the
 * next ones are parsed on another core. Stopping early (a `return` from the
 * consumer, an error) stops the thread.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DomainError } from "../errors.ts";
import { secondFsid, type PassMessage, type PassOptions } from "./parse-pass.ts";
import type { ParseThreadData } from "./parse-thread.ts";
import { ContentScan, scanAll, type SourceFile } from "./source.ts";

/** The compiled thread next to this module (dist/cli), or in a source checkout the shim that loads the TypeScript through tsx. */
function threadFile(): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.endsWith(".ts") ? "./parse-thread.mjs" : "./parse-thread.js", here));
}

/**
 * The parse thread's old generation, MB. Bounded, V8 collects sooner: the 1 GB import of bench/import.ts
 * peaks at 229 MB RSS in 16.5 s with 384 (256: 228 MB in 18.8 s; 512: 244 MB; unbounded ~330 MB).
 */
const PARSE_HEAP_MB = 384;

export async function* threadedPass(src: SourceFile, mapFiles: readonly string[], opts: PassOptions): AsyncGenerator<PassMessage> {
  // The parse thread is what an import waits for: a plain file's hash and fsid scan (a read of its own, from the
  // page cache) run here instead, beside the writing of rows, which leaves this thread mostly idle. A gzip
  // would be inflated twice: its thread scans it.
  const scan = src.gzip ? null : new ContentScan();
  const stopScan = new AbortController();
  const scanned = scan ? scanAll(src, scan, stopScan.signal) : null;
  scanned?.catch(() => {}); // awaited at the end, unless the pass stops first (and the scan with it)
  const data: ParseThreadData = {
    src: { display: src.display, path: src.path, gzip: src.gzip, size: src.size, inflate: src.inflate },
    mapFiles,
    opts: { ...opts, scan: scan === null },
  };
  // The pass holds a bounded amount (its output queue spills to a file): a bounded old generation keeps
  // the collector from letting garbage pile up.
  const worker = new Worker(threadFile(), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: PARSE_HEAP_MB } });
  const queue: PassMessage[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on("message", (m: PassMessage) => {
    queue.push(m);
    notify();
  });
  worker.on("error", (err: Error & { code?: string }) => {
    failure =
      err.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? new DomainError("PAYLOAD_TOO_LARGE", `${src.display}: the import's parse ran out of memory (${PARSE_HEAP_MB} MB)`, { cause: err })
        : err;
    notify();
  });
  worker.on("exit", (code) => {
    ended = true;
    if (code !== 0) failure ??= new Error(`the import's parse thread stopped (exit code ${code})`);
    notify();
  });
  try {
    for (;;) {
      let m = queue.shift();
      if (m) {
        if (m.kind === "done" && scanned) {
          await scanned;
          m = { ...m, hash: scan!.hash() };
        }
        if (scan?.multipleFsids && !opts.multipleFsids) m = secondFsid(src);
        yield m;
        if (m.kind === "rows") worker.postMessage("taken");
        if (m.kind === "done" || m.kind === "failed") return;
        continue;
      }
      if (failure) throw failure;
      if (ended) throw new Error("the import's parse thread ended without a result");
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopScan.abort();
    if (!ended) await worker.terminate();
  }
}
