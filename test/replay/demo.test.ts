/**
 * `racelab demo`: on an empty database it loads the seeds and shows, for each
 * race, both replays with the verdicts; `state`/`diff` commands answer from
 * the stored seed traces.
 */
import { run as runDemo } from "../../src/cli/commands/demo.ts";
import { run as runDiff } from "../../src/cli/commands/diff.ts";
import { run as runState } from "../../src/cli/commands/state.ts";
import { textSink } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";

const t = databaseForFile();

test("demo of all four races on an empty database", async () => {
  const o = textSink();
  expect(await runDemo([], { store: t.store, stdout: o })).toBe(0);
  const text = o.text;
  for (const [race, effect, step] of [
    ["balance-vs-unused-bg-deletion", "assertion_failure", 8],
    ["trim-vs-bg-removal", "discard_overwrites_metadata", 11],
    ["bg-creation-vs-cache-writeout", "transaction_abort_enoent", 6],
    ["scrub-vs-bg-deletion", "scrub_einval", 7],
  ] as const) {
    const section = text.slice(text.indexOf(`\n${race}\n`));
    expect(section).toContain(`verdict: BUG — ${effect} at step ${step}`);
    expect(section).toMatch(/patched .*\n(.|\n)*verdict: clean/);
  }
  // the CPU columns and the lock hand-over of race 5.1
  expect(text).toContain("CPU 0: A = btrfs[17451]");
  expect(text).toContain("⏸ waits: delete_unused_bgs_mutex held by pid");
  expect(text).toContain("unused_bg_check(X) → skip (resumed)");
  expect((await t.store.listTraces()).length).toBe(8);
});

test("state and diff commands on a seed trace", async () => {
  const s = textSink();
  await runState(["balance-vs-unused-bg-deletion", "--at", "5", "--rules", "patched", "--json"], { store: t.store, stdout: s });
  const view = JSON.parse(s.text);
  expect(view.mutexes).toEqual([{ name: "delete_unused_bgs_mutex", holder: 17451, waiters: [887] }]);
  const d = textSink();
  await runDiff(["balance-vs-unused-bg-deletion", "--from", "7", "--to", "8", "--rules", "patched", "--json"], { store: t.store, stdout: d });
  const diff = JSON.parse(d.text);
  expect(diff.changes).toContainEqual({ path: `blockGroups[${0xa69c00000}].inCacheTree`, before: true, after: false });
  await expect(runState(["balance-vs-unused-bg-deletion", "--at", "x"], { store: t.store, stdout: textSink() })).rejects.toThrow(/--at: expected a sequence number/);
});
