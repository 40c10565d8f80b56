/**
 * A check's coverage (issue 13): what the trace shows of each race
 * (src/replay/coverage.ts) and, where the race's two sides came closest,
 * whether some reordering of that window's events — each task keeping its
 * own order — reaches the race's bug under `unpatched`. The explorer runs on
 * the window alone (at most WINDOW_MAX_EVENTS events, COVERAGE_MAX_STATES
 * states), from the state a trace of just those events starts in. Pure.
 *
 * Stored with every verdict: a change of behaviour here (or of the bounds)
 * bumps ENGINE_VERSION (src/replay/engine.ts).
 */
import { DomainError } from "../errors.ts";
import type { RaceEvent } from "../events/types.ts";
import { hex } from "../events/units.ts";
import type { PreparedTrace } from "../replay/check.ts";
import { type Approach, type RaceScan, scanCoverage } from "../replay/coverage.ts";
import type { ClosestApproach, Coverage, RaceCoverage } from "../replay/types.ts";
import { UNPATCHED } from "../rules/index.ts";
import { programFromEvents } from "./program.ts";
import { explore } from "./report.ts";

/**
 * States the explorer may visit for one window: a check pays at most that
 * per race (≈ 0.1–0.2 ms a state), whatever the trace's length. The seed
 * scenarios' windows need at most ~900 (the trim race's), the recordings' ~120.
 */
export const COVERAGE_MAX_STATES = 5_000;

function closestJson(trace: PreparedTrace, a: Approach): ClosestApproach {
  const [ea, eb] = a.events.map((i) => trace.events[i]!) as [PreparedTrace["events"][number], PreparedTrace["events"][number]];
  const ta = ea.ev.origin.ts;
  const tb = eb.ev.origin.ts;
  const side = (e: typeof ea, kind: (typeof a.kinds)[number]) => ({ kind, step: e.ev.type, seq: e.seq, line: e.ev.origin.line, pid: e.ev.origin.pid });
  return {
    blockGroup: a.bytenr.toString(),
    ns: ta === null || tb === null ? null : Number(ta > tb ? ta - tb : tb - ta),
    sides: [side(ea, a.kinds[0]), side(eb, a.kinds[1])],
  };
}

/** True: a schedule of the window reaches the race's bug (confirmed by the normal replay); false: none does; null: cannot tell. */
function reachable(trace: PreparedTrace, scan: RaceScan): boolean | null {
  const a = scan.closest;
  if (!a) return scan.unbound > 0 ? null : false;
  if (!a.window) return null;
  // The events alone: a stored event's own seq would number the window's steps.
  const events = a.window.map((i) => {
    const { type, data, origin, chain } = trace.events[i]!.ev;
    return { type, data, origin, chain } as RaceEvent;
  });
  let program;
  try {
    program = programFromEvents(events, { name: `${scan.race} window on ${hex(a.bytenr)}` });
  } catch (err) {
    // More tasks than the explorer takes.
    if (err instanceof DomainError) return null;
    throw err;
  }
  const rep = explore(program, UNPATCHED, { maxStates: COVERAGE_MAX_STATES });
  if (rep.bugs.some((b) => b.race === scan.race && b.confirmed.agrees)) return true;
  return rep.result.complete && rep.undecidable === null ? false : null;
}

/** Every race of the registry, in its order. */
export function traceCoverage(trace: PreparedTrace): Coverage {
  const out: Partial<Record<RaceScan["race"], RaceCoverage>> = {};
  for (const scan of scanCoverage(trace)) {
    out[scan.race] = {
      chains: scan.chains,
      unbound: scan.unbound,
      closest: scan.closest && closestJson(trace, scan.closest),
      reachable: reachable(trace, scan),
    };
  }
  return out as Coverage;
}
