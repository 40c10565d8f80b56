/**
 * Scenario text written back from events: every seed scenario, parsed,
 * written and parsed again, gives the same events (types, arguments, pids,
 * chains) and the same names; the lines read as a person writes them.
 */
import { parseScenario } from "../../src/scenario/parse.ts";
import { loadScenarioFile, scenarioFiles } from "../../src/scenario/load.ts";
import { scenarioText } from "../../src/scenario/write.ts";
import { encodeEvent } from "../../src/events/catalog.ts";
import { scenario } from "../replay/helpers.ts";

const shape = (events: readonly Parameters<typeof encodeEvent>[0][]) =>
  events.map((e) => {
    const w = encodeEvent(e) as { type: string; data: unknown; origin: { pid: number; comm: string | null; cpu: number | null }; chain: unknown };
    return [w.type, w.data, w.origin.pid, w.origin.comm, w.origin.cpu, w.chain];
  });

test.each(scenarioFiles().map((f) => [f, loadScenarioFile(f)] as const))("%s: written and read again, the same events", (_file, sc) => {
  const text = scenarioText({ names: sc.names, actors: sc.actors.filter((a) => sc.events.some((e) => e.origin.pid === a.pid)), events: sc.events });
  const again = parseScenario(text, "written.scenario");
  expect(shape(again.events)).toEqual(shape(sc.events));
  expect(again.names).toEqual(sc.names);
});

test("lines as a person writes them: let names for addresses, flags by name, unbound as ?, defaults left out", () => {
  const events = scenario(`
    let X = 0x40000000
    let R = 0x40100000
    actor A pid=3001 comm=fstrim role=trim cpu=0
    actor C pid=3120 comm=kworker/u4:2 role=allocator
    A trim_bg bytenr=X
    A discard_start bytenr=X devid=1 physical=R len=1M
    C chunk_alloc bytenr=0x80000000 len=256M type=METADATA|DUP stripes=1:R,2:0x9000
    A set_ro bytenr=? flag=true
    A clear_ro bytenr=X
  `);
  const text = scenarioText({
    header: ["race: trim-vs-bg-removal"],
    names: [
      ["X", 0x40000000n],
      ["R", 0x40100000n],
    ],
    actors: [
      { name: "A", pid: 3001, comm: "fstrim", role: "trim", cpu: 0 },
      { name: "C", pid: 3120, comm: "kworker/u4:2", role: "allocator", cpu: null },
    ],
    events,
  });
  expect(text).toBe(`# racelab scenario (format: seeds/README.md)
# race: trim-vs-bg-removal

let X = 0x40000000
let R = 0x40100000

actor A pid=3001 comm=fstrim role=trim cpu=0
actor C pid=3120 comm=kworker/u4:2 role=allocator

A trim_bg bytenr=X
A discard_start bytenr=X len=0x100000 devid=1 physical=R
C chunk_alloc bytenr=0x80000000 len=0x10000000 type=METADATA|DUP stripes=1:R,2:0x9000
A set_ro bytenr=? flag=true
A clear_ro bytenr=X
`);
});
