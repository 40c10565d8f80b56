/**
 * The logs recorded with the kit on a real 6.1 kernel (seeds/recordings/,
 * scripts/recording/): each imports with every line read, none skipped and
 * no event unbound, and is decided under unpatched (the kernel carries the
 * four fixes, so nothing it did is a bug under patched either). The kit's
 * own statistics say nothing was lost. Events go through the store.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importFile } from "../../src/ftrace/import.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { WORKLOADS } from "../../src/record/workloads.ts";
import { databaseForFile } from "../helpers/db.ts";
import { table } from "../ftrace/helpers.ts";

const RECORDINGS = fileURLToPath(new URL("../../seeds/recordings", import.meta.url));
const t = databaseForFile();

/** Lines of each recording (wc -l) and what its kit printed when it stopped (guest-meta/cmdlog). */
const LINES: Record<(typeof WORKLOADS)[number], number> = { balance: 1005, trim: 761, scrub: 314, commit: 1136 };

describe.each(WORKLOADS)("seeds/recordings/%s.trace", (w) => {
  const file = path.join(RECORDINGS, `${w}.trace`);
  let imported: Awaited<ReturnType<typeof importFile>>;
  beforeAll(async () => {
    imported = await importFile(t.store, file, { table, skipInvalid: true });
  });

  test("the kit stopped it with nothing lost: every CPU's overrun and dropped events 0, no kprobe missed", () => {
    const stats = readFileSync(path.join(RECORDINGS, "guest-meta", "stats", `${w}.stats`), "utf8");
    const perCpu = stats.split(/^== /m).filter((s) => s.startsWith("cpu"));
    expect(perCpu.length).toBe(2);
    for (const s of perCpu) {
      expect(s).toMatch(/^overrun: 0$/m);
      expect(s).toMatch(/^commit overrun: 0$/m);
      expect(s).toMatch(/^dropped events: 0$/m);
    }
    const profile = stats.slice(stats.indexOf("== kprobe_profile"));
    const rows = profile.split("\n").slice(1).filter((l) => l.trim() !== "");
    expect(rows.length).toBeGreaterThan(6);
    for (const r of rows) expect(r.trim().split(/\s+/)[2]).toBe("0");
    const cmdlog = readFileSync(path.join(RECORDINGS, "guest-meta", "cmdlog", `${w}.cmdlog`), "utf8");
    expect(cmdlog).toContain(`racelab-record: /out/traces/${w}.trace: ${LINES[w]} lines, nothing lost`);
  });

  test("imports with every line read, none skipped, nothing unmapped, no event unbound", async () => {
    const report = imported.report!;
    expect(report.lines).toBe(LINES[w]);
    expect(report.skipped).toEqual([]);
    expect(report.unmapped).toEqual({});
    expect(report.unbound).toBe(0);
    expect(report.gaps).toEqual([]);
    const events = await t.store.read(imported.trace.id);
    expect(events.filter((e) => "bytenr" in e.data && (e.data as { bytenr: unknown }).bytenr === null)).toEqual([]);
  });

  test("is decided under unpatched (clean), and clean under patched", async () => {
    const events = await t.store.read(imported.trace.id);
    const unpatched = checkEvents(events, ["unpatched"]);
    expect(unpatched.undecided).toEqual([]);
    expect(unpatched.verdict).toBe("clean");
    expect(checkEvents(events, ["patched"]).verdict).toBe("clean");
  });
});
