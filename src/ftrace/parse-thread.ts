/**
 * The worker thread of a large import (`threaded-pass.ts` starts it): runs
 * `parsePass` and posts its messages. At most IN_FLIGHT pieces of rows wait
 * on the other side: the parse runs ahead of the database by that much and
 * no more.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadMapTable } from "./map-load.ts";
import { parsePass, type PassOptions } from "./parse-pass.ts";
import type { SourceFile } from "./source.ts";

export interface ParseThreadData {
  readonly src: SourceFile;
  readonly mapFiles: readonly string[];
  readonly opts: PassOptions;
}

/** Pieces of rows (about PIECE_BYTES each) posted and not yet taken. */
const IN_FLIGHT = 16;

async function run(port: NonNullable<typeof parentPort>, data: ParseThreadData): Promise<void> {
  let unacked = 0;
  let wake: (() => void) | null = null;
  port.on("message", () => {
    unacked--;
    wake?.();
    wake = null;
  });
  for await (const m of parsePass(data.src, loadMapTable(data.mapFiles), data.opts)) {
    if (m.kind !== "rows") port.postMessage(m);
    else {
      // The rows' bytes are transferred, not copied (each piece has buffers of its own).
      unacked++;
      const transfer = [m.rows.events, m.rows.sourceLines].filter((b) => b.byteLength > 0).map((b) => b.buffer as ArrayBuffer);
      port.postMessage(m, transfer);
    }
    while (unacked >= IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
  }
  port.close();
}

if (parentPort) await run(parentPort, workerData as ParseThreadData);
