/**
 * Scenario files (seeds/*.scenario, documented in seeds/README.md): a
 * hand-written interleaving, one event per line, e.g.
 *
 *   # race: balance-vs-unused-bg-deletion
 *   let X = 0x1d00000
 *   actor A pid=17451 comm=btrfs role=balance
 *   actor B pid=887 comm=btrfs-cleaner role=cleaner
 *   A relocate_chunk bytenr=X
 *   B unused_bg_check bytenr=X outcome=proceed
 *
 * Parsing is pure; every error is `file:line: what`. Payloads are validated
 * by the event catalog's schemas, so a scenario accepts exactly what the
 * store accepts.
 */
import { createHash } from "node:crypto";
import { DomainError } from "../errors.ts";
import { EventValidationError, decodeEvent, isEventType, parseU64 } from "../events/catalog.ts";
import type { SourceLine } from "../events/source-lines.ts";
import { BLOCK_GROUP_FLAGS, type BlockGroupFlagName, type RaceEvent } from "../events/types.ts";
import { assignChains, ROLES, type Role } from "../events/binding.ts";
import { RACE_IDS, type RaceId, type Verdict } from "../events/races.ts";

export interface Expectation {
  readonly verdict: Verdict;
  readonly effect: string | null;
  /** 1-based event number (= stored seq) of the finding. */
  readonly step: number | null;
}

export interface ScenarioMeta {
  readonly race: RaceId | null;
  readonly variant: string | null;
  readonly title: string | null;
  readonly seed: string | null;
  readonly description: string | null;
  /** Expected verdicts by rule-set spec (`unpatched`, `patched`, a fix id, …). */
  readonly expect: Readonly<Record<string, Expectation>>;
}

export interface ScenarioActor {
  readonly name: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly role: Role | null;
  readonly cpu: number | null;
  readonly line: number;
}

export interface Scenario {
  readonly file: string;
  /** sha256 of the file content (re-import detection). */
  readonly hash: string;
  readonly meta: ScenarioMeta;
  readonly actors: readonly ScenarioActor[];
  /** Events in file order, chains assigned (§6.3, with the declared roles). */
  readonly events: readonly RaceEvent[];
  /** Names given with `let`, in file order. */
  readonly names: readonly (readonly [string, bigint])[];
  /** The text of the lines that made events, ascending (stored as the events' source lines). */
  readonly sourceLines: readonly SourceLine[];
}

const BYTE_KEYS = new Set(["bytenr", "len", "start", "physical", "used"]);
const INT_KEYS = new Set(["devid", "gen", "cpu", "lost"]);
const FLAG_KEYS = new Set(["type", "flags"]);
const BOOL_KEYS = new Set(["flag"]);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SIZE_RE = /^(0x[0-9a-fA-F]+|[0-9]+)([KMGT]i?B?)?$/;
const UNITS: Record<string, bigint> = { K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

class LineError extends Error {}

function fail(what: string): never {
  throw new LineError(what);
}

/** `0x1d00000`, `30408704`, `256M`, or a name from `let`; `?` = unbound. Returns a decimal string for the schema. */
function bytesValue(k: string, v: string, names: ReadonlyMap<string, bigint>): string | null {
  if (v === "?" || v === "unbound") return k === "bytenr" ? null : fail(`${k}: only bytenr may be unbound ("?")`);
  const named = names.get(v);
  if (named !== undefined) return named.toString();
  const m = SIZE_RE.exec(v);
  if (m) {
    const n = parseU64(m[1]!);
    if (n === null) fail(`${k}: ${JSON.stringify(v)} does not fit in 64 bits`);
    const unit = m[2] ? UNITS[m[2][0]!]! : 1n;
    return (n * unit).toString();
  }
  if (/^-/.test(v)) fail(`${k}: expected a non-negative number, got ${JSON.stringify(v)}`);
  if (NAME_RE.test(v)) fail(`${k}: unknown name ${JSON.stringify(v)} (define it with "let ${v} = 0x…")`);
  fail(`${k}: expected a number (decimal or 0x…), got ${JSON.stringify(v)}`);
}

function intValue(k: string, v: string): number | null {
  if (v === "?") return null;
  if (!/^[0-9]+$/.test(v)) fail(`${k}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) fail(`${k}: ${v} is too large`);
  return n;
}

function flagsValue(k: string, v: string): number | null {
  if (v === "?") return null;
  if (/^[0-9]+$/.test(v)) return intValue(k, v);
  let n = 0;
  for (const part of v.split("|")) {
    const name = part.trim().toUpperCase();
    if (name === "SINGLE") continue;
    if (!(name in BLOCK_GROUP_FLAGS)) fail(`${k}: unknown block group flag ${JSON.stringify(part)} (known: ${Object.keys(BLOCK_GROUP_FLAGS).join(", ")})`);
    n |= BLOCK_GROUP_FLAGS[name as BlockGroupFlagName];
  }
  return n;
}

function stripesValue(v: string, names: ReadonlyMap<string, bigint>): { devid: number; physical: string }[] | null {
  if (v === "?") return null;
  return v.split(",").map((part) => {
    const [d, p, ...rest] = part.split(":");
    if (d === undefined || p === undefined || rest.length > 0) fail(`stripes: expected devid:physical[,devid:physical…], got ${JSON.stringify(v)}`);
    const devid = intValue("stripes devid", d);
    const physical = bytesValue("stripes physical", p, names);
    if (devid === null || physical === null) fail(`stripes: unknown parts are not allowed, got ${JSON.stringify(part)}`);
    return { devid, physical };
  });
}

/** Splits `k=v` words; values have no spaces. */
function keyValues(words: readonly string[]): [string, string][] {
  return words.map((w) => {
    const i = w.indexOf("=");
    if (i <= 0 || i === w.length - 1) fail(`expected key=value, got ${JSON.stringify(w)}`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

function parseExpectation(v: string): Expectation {
  const t = v.trim();
  if (t === "clean" || t === "undecidable") return { verdict: t, effect: null, step: null };
  const m = /^bug(?:\s+([a-z_]+))?(?:\s+at\s+step\s+([0-9]+))?$/.exec(t);
  if (!m) fail(`expect: use "clean", "undecidable" or "bug <effect> at step <n>", got ${JSON.stringify(t)}`);
  return { verdict: "bug", effect: m[1] ?? null, step: m[2] ? Number(m[2]) : null };
}

export function parseScenario(text: string, file: string): Scenario {
  const lines = text.split(/\r?\n/);
  const names = new Map<string, bigint>();
  const actors = new Map<string, ScenarioActor>();
  const pids = new Set<number>();
  const raw: RaceEvent[] = [];
  const meta: { race: RaceId | null; variant: string | null; title: string | null; seed: string | null; description: string[]; expect: Record<string, Expectation> } = {
    race: null,
    variant: null,
    title: null,
    seed: null,
    description: [],
    expect: {},
  };
  lines.forEach((text0, i) => {
    const lineNo = i + 1;
    try {
      const trimmed = text0.trim();
      if (trimmed === "") return;
      if (trimmed.startsWith("#")) {
        const m = /^#\s*(race|variant|title|seed|description|expect\s+[^:]+):\s*(.*)$/.exec(trimmed);
        if (!m) return;
        const k = m[1]!;
        const v = m[2]!.trim();
        if (k === "race") {
          if (!RACE_IDS.includes(v as RaceId)) fail(`race: unknown race ${JSON.stringify(v)} (known: ${RACE_IDS.join(", ")})`);
          meta.race = v as RaceId;
        } else if (k === "variant") meta.variant = v;
        else if (k === "title") meta.title = v;
        else if (k === "seed") meta.seed = v;
        else if (k === "description") meta.description.push(v);
        else meta.expect[k.replace(/^expect\s+/, "").trim()] = parseExpectation(v);
        return;
      }
      const body = trimmed.replace(/\s+#.*$/, "");
      const words = body.split(/\s+/);
      const head = words[0]!;
      if (head === "let") {
        const m = /^let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)$/.exec(body);
        if (!m) fail(`expected "let NAME = 0x…", got ${JSON.stringify(body)}`);
        if (names.has(m[1]!)) fail(`name ${m[1]} defined twice`);
        const v = bytesValue(m[1]!, m[2]!, names);
        if (v === null) fail(`${m[1]}: a name needs a value`);
        names.set(m[1]!, BigInt(v));
        return;
      }
      if (head === "actor") {
        const name = words[1];
        if (!name || !NAME_RE.test(name)) fail(`expected "actor NAME pid=N [comm=…] [role=…] [cpu=N]"`);
        if (actors.has(name)) fail(`actor ${name} declared twice`);
        let pid: number | null = null;
        let comm: string | null = null;
        let role: Role | null = null;
        let cpu: number | null = null;
        for (const [k, v] of keyValues(words.slice(2))) {
          if (k === "pid") pid = intValue("pid", v);
          else if (k === "comm") comm = v;
          else if (k === "role") {
            if (!ROLES.includes(v as Role)) fail(`role: unknown role ${JSON.stringify(v)} (known: ${ROLES.join(", ")})`);
            role = v as Role;
          } else if (k === "cpu") cpu = intValue("cpu", v);
          else fail(`actor: unknown field ${JSON.stringify(k)}`);
        }
        if (pid === null) fail(`actor ${name}: missing pid=`);
        if (pids.has(pid)) fail(`actor ${name}: pid ${pid} already used by another actor`);
        pids.add(pid);
        actors.set(name, { name, pid, comm: comm ?? name, role, cpu, line: lineNo });
        return;
      }
      const actor = actors.get(head);
      if (!actor) fail(NAME_RE.test(head) && words.length > 1 ? `unknown actor ${JSON.stringify(head)} (declare it first: actor ${head} pid=…)` : `cannot read ${JSON.stringify(body)}`);
      const type = words[1];
      if (!type) fail(`${head}: missing event type`);
      if (!isEventType(type)) fail(`unknown event type ${JSON.stringify(type)}`);
      const data: Record<string, unknown> = {};
      for (const [k, v] of keyValues(words.slice(2))) {
        if (k in data) fail(`${type}: ${k} given twice`);
        if (BYTE_KEYS.has(k)) data[k] = bytesValue(k, v, names);
        else if (INT_KEYS.has(k)) data[k] = intValue(k, v);
        else if (FLAG_KEYS.has(k)) data[k] = flagsValue(k, v);
        else if (BOOL_KEYS.has(k)) {
          if (!["true", "false", "1", "0"].includes(v)) fail(`${k}: expected true or false, got ${JSON.stringify(v)}`);
          data[k] = v === "true" || v === "1";
        } else if (k === "stripes") data[k] = stripesValue(v, names);
        else data[k] = v;
      }
      // Every argument a type has must be written (unbound: "?"), except defaults the catalog documents.
      if ("bytenr" in requiredArgs(type) && !("bytenr" in data)) fail(`${type}: missing argument bytenr (write bytenr=? if unknown)`);
      try {
        raw.push(
          decodeEvent({
            type,
            data,
            origin: { line: lineNo, lineSeq: 0, pid: actor.pid, comm: actor.comm, cpu: actor.cpu },
          }),
        );
      } catch (err) {
        if (err instanceof EventValidationError) fail(`${type}: ${err.field.replace(/^data\.?/, "") ? `${err.field.replace(/^data\./, "")}: ` : ""}${err.problem}`);
        throw err;
      }
    } catch (err) {
      if (err instanceof LineError) throw new DomainError("BAD_USER_INPUT", `${file}:${lineNo}: ${err.message}`);
      throw err;
    }
  });
  if (raw.length === 0) throw new DomainError("BAD_USER_INPUT", `${file}: no events (a scenario needs at least one "ACTOR event_type …" line)`);
  const roles = new Map<number, Role>();
  for (const a of actors.values()) if (a.role) roles.set(a.pid, a.role);
  const chains = assignChains(raw, { roles });
  const events = raw.map((e, i) => ({ ...e, chain: chains[i] ?? null }) as RaceEvent);
  return {
    file,
    hash: createHash("sha256").update(text).digest("hex"),
    meta: {
      race: meta.race,
      variant: meta.variant,
      title: meta.title,
      seed: meta.seed,
      description: meta.description.length > 0 ? meta.description.join(" ") : null,
      expect: meta.expect,
    },
    actors: [...actors.values()],
    events,
    names: [...names.entries()],
    sourceLines: [...new Set(events.map((e) => e.origin.line).filter((l): l is number => l !== null))]
      .sort((a, b) => a - b)
      .map((line) => ({ line, text: lines[line - 1]!.trimEnd() })),
  };
}

/** Arguments a scenario line must give (the subject may be `?`, never silently absent). */
function requiredArgs(type: string): Record<string, true> {
  const withBytenr = [
    "unused_bg_check",
    "set_ro",
    "clear_ro",
    "relocate_chunk",
    "relocate_bg",
    "remove_chunk",
    "chunk_free",
    "remove_block_group",
    "trim_bg",
    "trim_bg_end",
    "discard_start",
    "chunk_alloc",
    "bg_create",
    "bg_alloc",
    "write_cache_group",
    "scrub_dev_extent",
    "scrub_chunk",
    "eb_write",
  ];
  return withBytenr.includes(type) ? { bytenr: true } : {};
}
