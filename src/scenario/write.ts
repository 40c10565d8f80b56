/**
 * Events back into scenario text (seeds/README.md): what racelab writes when
 * it makes a trace of its own (a generated exercise's inline trace). The
 * inverse of `parseScenario` on everything an event carries except chains,
 * which a scenario never writes (the parser assigns them from the declared
 * roles, DOMAIN §6.3). Addresses print by their `let` names where one fits.
 */
import { flagNames, type RaceEvent } from "../events/types.ts";
import type { ScenarioActor } from "./parse.ts";

export type WrittenActor = Pick<ScenarioActor, "name" | "pid" | "comm" | "role" | "cpu">;

export interface ScenarioDraft {
  /** Header lines without the leading `# ` (`race: …`, `title: …`, `expect unpatched: …`). */
  readonly header?: readonly string[];
  readonly names: readonly (readonly [string, bigint])[];
  readonly actors: readonly WrittenActor[];
  /** In recorded order; every pid must be an actor's. */
  readonly events: readonly RaceEvent[];
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** A scenario word has no spaces and no `#` (a comment would start). */
function word(v: string): string {
  return v.replace(/[\s#]+/g, "_");
}

function value(k: string, v: unknown, nameOf: (v: bigint) => string): string | null {
  if (v === null || v === undefined) return k === "bytenr" ? "?" : null;
  if (typeof v === "bigint") return k === "len" ? hex(v) : nameOf(v);
  if (typeof v === "boolean") return v ? "true" : null;
  if ((k === "type" || k === "flags") && typeof v === "number") return flagNames(v).join("|") || String(v);
  if (k === "stripes" && Array.isArray(v)) return (v as { devid: number; physical: bigint }[]).map((s) => `${s.devid}:${nameOf(s.physical)}`).join(",");
  if (typeof v === "number") return String(v);
  return word(String(v));
}

/** One event line: `A set_ro bytenr=X`; arguments at their defaults (null, false) are left out, an unbound bytenr is `?`. */
export function eventLine(actor: string, e: RaceEvent, nameOf: (v: bigint) => string): string {
  const args = Object.entries(e.data as Record<string, unknown>)
    .map(([k, v]) => [k, value(k, v, nameOf)] as const)
    .filter((kv): kv is readonly [string, string] => kv[1] !== null)
    .map(([k, v]) => `${k}=${v}`);
  return [actor, e.type, ...args].join(" ");
}

/** The scenario text of a draft; `parseScenario` of it gives the same events (chains assigned anew). */
export function scenarioText(d: ScenarioDraft): string {
  const byValue = new Map<bigint, string>();
  for (const [n, v] of d.names) if (!byValue.has(v)) byValue.set(v, n);
  const nameOf = (v: bigint) => byValue.get(v) ?? hex(v);
  const actorOf = new Map(d.actors.map((a) => [a.pid, a.name]));
  const lines: string[] = ["# racelab scenario (format: seeds/README.md)", ...(d.header ?? []).map((h) => `# ${h.replace(/\n/g, " ")}`), ""];
  for (const [n, v] of d.names) lines.push(`let ${n} = ${hex(v)}`);
  if (d.names.length > 0) lines.push("");
  for (const a of d.actors) {
    const opt = [a.comm !== null ? `comm=${word(a.comm)}` : "", a.role !== null ? `role=${a.role}` : "", a.cpu !== null ? `cpu=${a.cpu}` : ""].filter(Boolean);
    lines.push(["actor", a.name, `pid=${a.pid}`, ...opt].join(" "));
  }
  lines.push("");
  for (const e of d.events) {
    const name = actorOf.get(e.origin.pid);
    if (name === undefined) throw new Error(`scenarioText: no actor for pid ${e.origin.pid}`);
    lines.push(eventLine(name, e, nameOf));
  }
  return `${lines.join("\n")}\n`;
}
