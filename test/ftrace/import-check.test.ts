/**
 * Imported traces replay like any trace (issue 4 §6): each race fixture
 * checks `bug` under `unpatched` at the line where its effect happens and
 * `clean` under `patched`; the real 6.1 logs check `clean` under `patched`
 * (a kernel of 2022 carries all four fixes). Events go through the store.
 */
import path from "node:path";
import { importFile } from "../../src/ftrace/import.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { databaseForFile } from "../helpers/db.ts";
import { fixture, SHARED_TRACES, table } from "./helpers.ts";

const t = databaseForFile();

async function stored(file: string) {
  const r = await importFile(t.store, file, { table });
  return t.store.read(r.trace.id);
}

describe("race fixtures", () => {
  test.each([
    ["balance-vs-unused-bg-deletion", "assertion_failure", 21],
    ["trim-vs-bg-removal", "discard_overwrites_metadata", 34],
    ["bg-creation-vs-cache-writeout", "transaction_abort_enoent", 21],
    ["scrub-vs-bg-deletion", "scrub_einval", 11],
  ] as const)("%s: bug (%s) under unpatched at line %i, clean under patched", async (race, effect, line) => {
    const events = await stored(fixture(`races/${race}.trace`));
    const unpatched = checkEvents(events, ["unpatched"]);
    expect(unpatched.verdict).toBe("bug");
    expect(unpatched.race).toBe(race);
    expect(unpatched.findings[0]).toMatchObject({ effect, line });
    const patched = checkEvents(events, ["patched"]);
    expect(patched.verdict).toBe("clean");
  });
});

describe("real logs", () => {
  test.each(["balance-events.trace", "balance-function.trace", "balance-function_graph.trace"])(
    "%s checks clean under patched",
    async (name) => {
      const events = await stored(path.join(SHARED_TRACES, name));
      expect(events.length).toBeGreaterThan(300);
      const patched = checkEvents(events, ["patched"]);
      expect(patched.findings).toEqual([]);
      expect(patched.verdict).toBe("clean");
    },
  );
});
