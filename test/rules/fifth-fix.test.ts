/**
 * A fifth fix, written here and nowhere else: "scrub and the cleaner share a
 * lock" (a hypothetical alternative to scrub-skip-removed-chunk). It declares
 * a lock of its own (`scrub_bg_lock`, taken by scrub and deletion chains);
 * the engine, the views and the rule-set machinery take it from the
 * declaration alone. The expectations are DOMAIN §4.3 worked by hand on two
 * interleavings of the race 5.4 programs.
 */
import { checkTrace } from "../../src/replay/check.ts";
import { deleteUnusedBgsMutex } from "../../src/rules/delete-unused-bgs-mutex.ts";
import { ruleSetOf } from "../../src/rules/index.ts";
import type { Fix } from "../../src/rules/types.ts";
import { toView } from "../../src/projections/view.ts";
import { scenario, seed } from "../replay/helpers.ts";

const scrubTakesBgLock = {
  id: "scrub-takes-bg-lock",
  title: "scrub and the cleaner serialize on one lock",
  seed: "003 (hypothetical alternative)",
  commit: null,
  race: "scrub-vs-bg-deletion",
  invariant: "a block group being scrubbed is not deleted until its scrub ends",
  hooks: {},
  locks: [
    {
      name: "scrub_bg_lock",
      released: "end-of-chain",
      waiters: "fifo",
      takenBy: {
        scrub: { event: "scrub_dev_extent", data: (bytenr) => ({ bytenr, devid: null, physical: null }) },
        deletion: { event: "unused_bg_check", data: (bytenr) => ({ bytenr, outcome: "proceed", used: null }) },
      },
    },
  ],
} as const satisfies Fix;

/** Race 5.4 with the scrub first: it holds the lock over its whole chain. */
const SCRUB_FIRST = `
  let X = 0x3c400000
  actor A pid=887 comm=btrfs-cleaner role=cleaner cpu=1
  actor S pid=4410 comm=btrfs role=scrub cpu=2
  S scrub_dev_extent bytenr=X devid=1 physical=0x7c400000
  A unused_bg_check bytenr=X outcome=proceed
  A set_ro bytenr=X
  A remove_chunk bytenr=X
  S set_ro bytenr=X
  A remove_block_group bytenr=X
  S scrub_chunk bytenr=X
`;

test("unpatched, the scrub-first interleaving is the scrub race", () => {
  const r = checkTrace(scenario(SCRUB_FIRST), ["unpatched"]).report;
  expect(r.verdict).toBe("bug");
  expect(r.findings[0]).toMatchObject({ race: "scrub-vs-bg-deletion", effect: "scrub_einval", seq: 7 });
});

test("the fifth fix alone: the cleaner waits for the scrub's lock, so the scrub finds its extent map", () => {
  const rules = ruleSetOf([scrubTakesBgLock]);
  expect(rules.names).toEqual(["scrub-takes-bg-lock"]);
  expect(rules.reorders).toBe(true);
  const { report, engine } = checkTrace(scenario(SCRUB_FIRST), rules, { timeline: true });
  expect(report.verdict).toBe("clean");
  // the cleaner's four events wait for the scrub's chain to end at seq 7
  expect(report.reordered.map((x) => [x.seq, x.pid, x.waitedFor, x.appliedAfterSeq])).toEqual([
    [2, 887, "scrub_bg_lock held by pid 4410", 7],
    [3, 887, "scrub_bg_lock held by pid 4410", 7],
    [4, 887, "scrub_bg_lock held by pid 4410", 7],
    [6, 887, "scrub_bg_lock held by pid 4410", 7],
  ]);
  // the state after seq 2: the scrub holds the lock, the cleaner waits; the view names the lock
  const blocked = engine.timeline!.find((t) => t.status === "blocked")!;
  expect(blocked.seq).toBe(2);
  const view = toView(blocked.fs, { seq: 2, rules: rules.names, findings: [], locks: rules.locks.map((l) => l.name) });
  expect(view.mutexes).toEqual([{ name: "scrub_bg_lock", holder: 4410, waiters: [887] }]);
  // at the end nobody holds or waits for it
  expect(engine.fs.locks).toEqual({});
});

test("the fifth fix only orders: with the cleaner first, the scrub still finds no extent map", () => {
  const r = checkTrace(seed("scrub-vs-bg-deletion").events, ruleSetOf([scrubTakesBgLock])).report;
  expect(r.verdict).toBe("bug");
  expect(r.findings[0]).toMatchObject({ race: "scrub-vs-bg-deletion", effect: "scrub_einval" });
});

test("with delete-unused-bgs-mutex, a deletion chain takes both locks, in table order", () => {
  const rules = ruleSetOf([scrubTakesBgLock, deleteUnusedBgsMutex]);
  expect(rules.names).toEqual(["delete-unused-bgs-mutex", "scrub-takes-bg-lock"]);
  expect(rules.locks.map((l) => l.name)).toEqual(["delete_unused_bgs_mutex", "scrub_bg_lock"]);
  expect(rules.locksTakenBy("deletion").map((t) => t.lock)).toEqual(["delete_unused_bgs_mutex", "scrub_bg_lock"]);
  expect(rules.locksTakenBy("scrub").map((t) => t.lock)).toEqual(["scrub_bg_lock"]);
  expect(rules.locksTakenBy("trim")).toEqual([]);
  const { report, engine } = checkTrace(scenario(SCRUB_FIRST), rules, { timeline: true });
  expect(report.verdict).toBe("clean");
  // the cleaner got delete_unused_bgs_mutex, then waited for scrub_bg_lock holding it
  const blocked = engine.timeline!.find((t) => t.status === "blocked")!;
  expect(blocked.fs.locks).toEqual({
    delete_unused_bgs_mutex: { holder: 887, waiters: [] },
    scrub_bg_lock: { holder: 4410, waiters: [887] },
  });
  expect(report.reordered.every((x) => x.waitedFor === "scrub_bg_lock held by pid 4410")).toBe(true);
  expect(engine.fs.locks).toEqual({});
});
