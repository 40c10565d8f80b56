/**
 * Crash safety: `racelab import` killed with SIGKILL in the middle of its
 * COPY leaves no trace and no events behind; running it again succeeds.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { BIN, ROOT } from "../helpers/cli.ts";
import { databaseForFile, rowCounts } from "../helpers/db.ts";
import { tempDirForFile } from "../helpers/for-file.ts";

const t = databaseForFile();
const dir = tempDirForFile("racelab-crash-test-");

/** A flat trace of `n` lines, every one an event (bg_items_insert), so the COPY runs for the whole import. */
function bigTrace(n: number): string {
  const out: string[] = ["# tracer: function", "#"];
  for (let i = 0; i < n; i++) {
    const ts = `${100 + Math.floor(i / 1e6)}.${String(i % 1e6).padStart(6, "0")}`;
    out.push(`          dd-${1000 + (i % 50)}    [00${i % 2}] .....  ${ts}: btrfs_create_pending_block_groups <-__btrfs_end_transaction`);
  }
  return `${out.join("\n")}\n`;
}

async function counts(): Promise<{ traces: number; events: number }> {
  // A database that still serves the killed client's transaction would hang here: fail instead.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the ${t.kind} database did not answer within 30 s after the import process was killed`)),
      30_000,
    );
  });
  try {
    return await Promise.race([rowCounts(t), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `racelab import`; `killAfterLines`: SIGKILL it once it reports that many lines read. */
function runChild(
  file: string,
  killAfterLines: number | null,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, "import", file, "--name", "crash-test", "--progress", "--json"],
      {
        cwd: ROOT,
        env: { ...process.env, ...t.env, NODE_OPTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const all = [...err.matchAll(/progress (\d+) lines/g)];
      const last = all.length > 0 ? Number(all[all.length - 1]![1]) : 0;
      if (killAfterLines !== null && last >= killAfterLines && child.exitCode === null) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (code, signal) =>
      code !== 0 && signal === null ? reject(new Error(`racelab import failed (${code}): ${err}`)) : resolve({ code, signal, out, err }),
    );
  });
}

test("SIGKILL mid-import leaves nothing; re-running succeeds", async () => {
  const lines = 250_000;
  const file = path.join(dir, "big.trace");
  writeFileSync(file, bigTrace(lines));
  const before = await counts();

  const killed = await runChild(file, 130_000);
  expect(killed.signal).toBe("SIGKILL");
  expect(killed.err).toMatch(/progress 1\d{5} lines/); // it was well into the import
  expect(killed.out).toBe("");
  expect(await counts()).toEqual(before);

  const again = await runChild(file, null);
  expect(again.code).toBe(0);
  const json = JSON.parse(again.out) as { trace: string; events: number; lines: number; existing: boolean };
  expect(json).toMatchObject({ events: lines, lines: lines + 2, existing: false });
  expect(await counts()).toEqual({ traces: before.traces + 1, events: before.events + lines });
  expect((await t.store.getTrace(json.trace))?.name).toBe("crash-test");
}, 180_000);
