/**
 * Text for people: check reports, state views, diffs, and the demo's
 * two-column timeline (like the seeds' CPU diagrams). Pure string building.
 */
import { taskName } from "../events/task.ts";
import type { RaceEvent } from "../events/types.ts";
import { flagNames } from "../events/types.ts";
import type { SideKind } from "../events/chains.ts";
import { RACES } from "../events/races.ts";
import { duration, hex, size } from "../events/units.ts";
import { fieldChanges } from "../projections/change-text.ts";
import type { Note } from "../projections/evolve.ts";
import { toView, diffViews } from "../projections/view.ts";
import type { FsState } from "../projections/state.ts";
import type { RuleSet } from "../rules/types.ts";
import type { CheckReportX } from "./check.ts";
import { entryChanges } from "./changes.ts";
import type { TimelineEntry } from "./engine.ts";
import type { FsStateViewX } from "./time-travel.ts";
import type { Coverage, ExtentMapView, StateDiff } from "./types.ts";


export function renderCheck(r: CheckReportX & { readonly coverage: Coverage }, traceName: string): string {
  const out: string[] = [];
  const head = r.verdict === "bug" ? "BUG" : r.verdict === "clean" ? "clean" : "undecidable";
  out.push(`${traceName} under ${r.ruleSet}: ${head}`);
  for (const f of r.findings) {
    out.push(`  ${f.effect}${f.race ? ` (${f.race})` : ""} at seq ${f.seq}${f.line !== null ? `, line ${f.line}` : ""}`);
    out.push(`    ${f.message}`);
  }
  for (const u of r.undecided) out.push(`  undecided at seq ${u.seq}${u.line !== null ? `, line ${u.line}` : ""}: ${u.why}`);
  out.push("  coverage:");
  for (const line of coverageLines(r.coverage)) out.push(`    ${line}`);
  if (r.reordered.length > 0) {
    out.push(`  reordered (${r.reordered.length}):`);
    for (const x of r.reordered.slice(0, 20)) {
      const note = (x as { note?: string }).note;
      out.push(`    seq ${x.seq} (pid ${x.pid}) waited for ${x.waitedFor}; ${x.appliedAfterSeq === null ? "never applied" : note ? `${note} (after seq ${x.appliedAfterSeq})` : `applied after seq ${x.appliedAfterSeq}`}`);
    }
    if (r.reordered.length > 20) out.push(`    … ${r.reordered.length - 20} more`);
  }
  if (r.deferredAtEnd.length > 0) out.push(`  deferred at the end (never applied): pid ${r.deferredAtEnd.join(", ")}`);
  if (r.gaps.length > 0) out.push(`  gaps at line ${r.gaps.join(", ")}`);
  if (r.warnings.length > 0) {
    out.push(`  warnings (${r.warnings.length}):`);
    for (const w of r.warnings.slice(0, 20)) out.push(`    ${w.code}${w.line !== null ? ` line ${w.line}` : w.seq !== null ? ` seq ${w.seq}` : ""}: ${w.message}`);
    if (r.warnings.length > 20) out.push(`    … ${r.warnings.length - 20} more`);
  }
  return `${out.join("\n")}\n`;
}

/** What a unit of each kind is called (coverage lines): singular, plural. */
const SIDE_NOUNS: Readonly<Record<SideKind, readonly [string, string]>> = {
  relocation: ["relocation", "relocations"],
  deletion: ["cleaner check", "cleaner checks"],
  trim: ["trim", "trims"],
  scrub: ["scrub", "scrubs"],
  creation: ["new block group", "new block groups"],
  writeout_early: ["early writeout", "early writeouts"],
  writeout_critical: ["critical writeout", "critical writeouts"],
};

const count = (n: number, [one, many]: readonly [string, string]) => `${n} ${n === 1 ? one : many}`;

/**
 * One line per race (registry order) a kernel engineer reads at a glance:
 * what the trace holds of the race's sides, how close they came, and whether
 * a reordering of that stretch reaches the bug under unpatched.
 */
export function coverageLines(coverage: Coverage): string[] {
  return RACES.map((race) => {
    const c = coverage[race.id];
    const kinds: readonly SideKind[] = [...race.sides[0], ...race.sides[1]];
    const units = kinds.reduce((n, k) => n + (c.chains[k] ?? 0), 0);
    const held = kinds.map((k) => count(c.chains[k] ?? 0, SIDE_NOUNS[k])).join(", ");
    const unbound = c.unbound === 0 ? "" : c.unbound === units ? ", all unbound" : `, ${c.unbound} of them unbound`;
    const record = "cannot tell (record with racelab record)";
    const a = c.closest;
    if (!a) return `${race.id}: ${held}${unbound}; ${c.unbound > 0 ? record : "the two sides never met on one block group"}`;
    const [x, y] = a.sides;
    const apart = a.ns !== null ? duration(a.ns) : count(Math.abs(y.seq - x.seq), ["event", "events"]);
    const where = x.line !== null && y.line !== null ? `lines ${x.line}/${y.line}` : `seqs ${x.seq}/${y.seq}`;
    const reach =
      c.reachable === true
        ? `a reordering of these would hit ${race.bug} under unpatched`
        : c.reachable === false
          ? `no reordering of these reaches ${race.bug} under unpatched`
          : `whether a reordering of these reaches ${race.bug}: ${c.unbound > 0 ? record : "cannot tell within the explorer's bound"}`;
    return `${race.id}: ${held}${unbound}; closest ${apart} apart on ${hex(a.blockGroup)} (${x.step}/${y.step}, ${where}); ${reach}`;
  });
}

export function renderState(v: FsStateViewX, traceName: string): string {
  const out: string[] = [`${traceName} at seq ${v.seq} under ${v.rules.join(",")}${v.stopped ? " (replay stopped at the first effect)" : ""}`];
  const t = v.transactions[0]!;
  out.push(`  transaction ${t.commits + 1} running (${t.commits} committed${t.lastGen !== null ? `, last gen ${t.lastGen}` : ""}); dirty: ${t.dirtyBlockGroups.map(hex).join(" ") || "none"}`);
  for (const n of t.newBlockGroups) out.push(`  pid ${n.pid} new_bgs (phase 2 pending): ${n.blockGroups.map(hex).join(" ")}`);
  out.push(`  block groups (${v.blockGroups.length}):`);
  for (const b of v.blockGroups) {
    const bits = [`ro=${b.ro}`, `used=${size(b.used)}`, `reserved=${size(b.reserved)}`];
    if (b.removed) bits.push("removed");
    if (b.trimming) bits.push(`trimming=${b.trimming}`);
    if (!b.itemInserted) bits.push("item not inserted");
    if (b.dirty) bits.push("dirty");
    const hidden = b.freeSpace.filter((f) => f.hidden).length;
    if (hidden) bits.push(`${hidden} free-space entr${hidden === 1 ? "y" : "ies"} hidden`);
    out.push(`    ${hex(b.start)} ${b.length !== null ? `${size(b.length)} ` : ""}${b.flags.join("|") || "type ?"} ${b.status.padEnd(8)} ${bits.join(" ")}`);
  }
  out.push(`  extent maps (${v.extentMaps.length}):`);
  for (const m of v.extentMaps) {
    out.push(`    ${hex(m.start)} ${m.type.join("|") || "type ?"} ${m.inTree ? "in mapping_tree" : "removed"}${m.pinned ? " PINNED" : ""} ${stripesText(m)}`);
  }
  if (v.pinnedChunks.length) out.push(`  pinned_chunks: ${v.pinnedChunks.map(hex).join(" ")}`);
  for (const m of v.mutexes) out.push(`  ${m.name}: ${m.holder === null ? "free" : `held by pid ${m.holder}`}${m.waiters.length ? `, waiters ${m.waiters.join(", ")}` : ""}`);
  out.push(`  actors:`);
  for (const a of v.actors) {
    const d = a.discard ? ` discarding ${a.discard.devid !== null ? `dev${a.discard.devid}@${hex(a.discard.physical)}+${size(a.discard.len)}` : "?"}` : "";
    out.push(`    ${taskName(a.pid, a.comm)} ${a.status}${a.blockedOn ? ` (${a.blockedOn})` : ""} phase=${a.phase}${d}`);
  }
  for (const d of v.deferred) out.push(`  deferred: pid ${d.pid} seq ${d.seqs.join(", ")}`);
  for (const f of v.findings) out.push(`  finding: ${f.effect} at seq ${f.seq}: ${f.message}`);
  return `${out.join("\n")}\n`;
}

/** `dev1@0x…,dev2@0x…`; `2 stripes, devices unknown` when only the profile tells; `stripes unknown`. */
export function stripesText(m: ExtentMapView): string {
  if (m.stripes) return m.stripes.map((s) => `dev${s.devid}@${hex(s.physical)}`).join(",");
  if (m.stripeCount !== null) return `${m.stripeCount} stripe${m.stripeCount === 1 ? "" : "s"}, devices unknown`;
  return "stripes unknown";
}

export function renderDiff(d: StateDiff, traceName: string, rules: string): string {
  const fields = fieldChanges(d.changes);
  const out = [`${traceName} under ${rules}: seq ${d.from} → ${d.to}, ${fields.length} change${fields.length === 1 ? "" : "s"}`];
  for (const c of fields) out.push(`  ${c.path}: ${c.before} → ${c.after}`);
  return `${out.join("\n")}\n`;
}

// ---- demo timeline ----------------------------------------------------------

export interface DemoActor {
  readonly name: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly role: string | null;
  readonly cpu: number | null;
}

export interface DemoInput {
  readonly title: string;
  readonly description: string | null;
  readonly actors: readonly DemoActor[];
  readonly names: readonly (readonly [string, bigint])[];
}

interface Column {
  readonly label: string;
  readonly pids: readonly number[];
}

const WIDTH = 46;

function wrap(text: string, width: number): string[] {
  const words = text.split(" ");
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur.length + w.length + 1 > width && cur) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

export class DemoRenderer {
  private readonly nameOf = new Map<string, string>();
  private readonly actorOf = new Map<number, DemoActor>();
  readonly columns: Column[];

  constructor(private readonly input: DemoInput) {
    for (const [n, v] of input.names) this.nameOf.set(v.toString(), n);
    for (const a of input.actors) this.actorOf.set(a.pid, a);
    const cpus = [...new Set(input.actors.map((a) => a.cpu))];
    const byCpu = cpus.length >= 2 && cpus.length <= 3 && !cpus.includes(null);
    this.columns = byCpu
      ? cpus.map((c) => {
          const as = input.actors.filter((a) => a.cpu === c);
          return { label: `CPU ${c}: ${as.map((a) => (as.length === 1 ? `${a.name} = ${a.comm ?? "?"}[${a.pid}]` : a.name)).join(", ")}`, pids: as.map((a) => a.pid) };
        })
      : input.actors.map((a) => ({ label: `${a.name} = ${a.comm ?? "?"}[${a.pid}]`, pids: [a.pid] }));
  }

  addr(v: bigint | string | null | undefined): string {
    if (v === null || v === undefined) return "?";
    return this.nameOf.get(BigInt(v).toString()) ?? hex(v);
  }

  private who(pid: number): string {
    return this.actorOf.get(pid)?.name ?? `pid ${pid}`;
  }

  describe(ev: RaceEvent): string {
    const d = ev.data as Record<string, unknown>;
    const a = (k: string) => this.addr(d[k] as bigint | null);
    switch (ev.type) {
      case "discard_start":
        return `discard_start(${a("bytenr")}, dev${d.devid ?? "?"} ${this.addr(d.physical as bigint | null)} +${size(d.len as bigint | null)})`;
      case "chunk_alloc": {
        const st = (d.stripes as { devid: number; physical: bigint }[] | null) ?? null;
        return `chunk_alloc(${a("bytenr")}${d.type !== null ? ` ${flagNames(d.type as number).join("|")}` : ""}${st ? ` on ${st.map((s) => `dev${s.devid}@${this.addr(s.physical)}`).join(",")}` : ""})`;
      }
      case "commit_done":
        return `commit_done${d.gen !== null ? ` (gen ${d.gen})` : ""}`;
      case "eb_write":
        return `eb_write(${a("bytenr")})`;
      default:
        return "bytenr" in d ? `${ev.type}(${a("bytenr")})` : ev.type;
    }
  }

  /** State changes that matter between two states, in the scenario's names. */
  changes(before: FsState, after: FsState): string[] {
    const locks = [...new Set([...Object.keys(before.locks), ...Object.keys(after.locks)])];
    const ex = { seq: 0, rules: [], findings: [], locks };
    const out: string[] = [];
    for (const c of diffViews(toView(before, ex), toView(after, ex))) {
      const m = /^(blockGroups|extentMaps|mutexes)\[([^\]]+)\](?:\.(\w+))?$/.exec(c.path);
      if (c.path === "transactions[0].commits") out.push(`transaction ${String(c.after)} committed`);
      else if (c.path === "pinnedChunks") continue;
      else if (m) {
        const [, coll, id, field] = m;
        const n = coll === "mutexes" ? "mutex" : this.addr(id!);
        if (coll === "blockGroups") {
          if (!field && c.after && !c.before && (c.after as { itemInserted: boolean }).itemInserted === false) out.push(`${n} created (phase 1, no item yet)`);
          else if (field === "ro") out.push(`${n}.ro ${String(c.before)}→${String(c.after)}`);
          else if (field === "inCacheTree" && c.after === false) out.push(`${n} leaves the cache tree`);
          else if (field === "removed" && c.after === true) out.push(`${n}.removed = 1`);
          else if (field === "trimming") out.push(`${n}.trimming ${String(c.before)}→${String(c.after)}`);
          else if (field === "itemInserted" && c.after === true) out.push(`${n} item inserted`);
          else if (field === "dirty") out.push(c.after ? `${n} dirty` : `${n} written out`);
          else if (field === "reserved") out.push(`${n}.reserved ${String(c.before)}→${String(c.after)}`);
        } else if (coll === "extentMaps") {
          if (field === "inTree" && c.after === false) out.push(`extent map ${n} removed`);
          else if (field === "pinned") out.push(c.after ? `extent map ${n} pinned` : `extent map ${n} unpinned`);
        } else if (coll === "mutexes" && field === "holder") {
          out.push(c.after === null ? "mutex released" : `mutex → ${this.who(c.after as number)}`);
        }
      }
    }
    return out;
  }

  /** The timeline of one replay as rows: step, then one cell per column. */
  timeline(entries: readonly TimelineEntry[], start: FsState): string {
    const lines: string[] = [];
    const pad = (s: string) => (s.length > WIDTH ? `${s.slice(0, WIDTH - 1)}…` : s.padEnd(WIDTH));
    lines.push(`  step  ${this.columns.map((c) => pad(c.label)).join("  ")}`.trimEnd());
    lines.push(`  ────  ${this.columns.map(() => "─".repeat(WIDTH)).join("  ")}`);
    let prev = start;
    for (const e of entries) {
      const col = this.columns.findIndex((c) => c.pids.includes(e.pid));
      const cell: string[] = [];
      const who = this.columns[col]!.pids.length > 1 ? `${this.who(e.pid)}: ` : "";
      const desc = this.describe(e.ev);
      // What the rules changed here: the same facts the classroom page shows on its cards (changes.ts).
      const facts = entryChanges(e);
      if (e.status === "blocked") cell.push(`${who}${desc}`, ...facts.flatMap((f) => wrap(`⏸ waits: ${f.text}`, WIDTH - 2).map((l) => `  ${l}`)));
      else if (e.status === "dropped") cell.push(`${who}${desc}  ⤫ not applied`);
      else {
        const mark = facts.some((f) => f.kind === "implied") ? " (implied)" : e.deferred ? " (resumed)" : "";
        const outcome = e.outcome ? ` → ${e.outcome}` : "";
        cell.push(`${who}${desc}${outcome}${mark}`);
        for (const c of this.changes(prev, e.fs)) cell.push(`  · ${c}`);
        for (const f of facts) if (f.kind !== "implied") cell.push(...wrap(`↳ ${f.text}`, WIDTH - 2).map((l) => `  ${l}`));
        prev = e.fs;
      }
      const effects = e.notes.filter((n): n is Extract<Note, { kind: "effect" | "invariant" }> => n.kind === "effect" || n.kind === "invariant");
      const step = `${e.seq}`;
      cell.forEach((text, i) => {
        const cells = this.columns.map((_, j) => (j === col ? pad(text) : " ".repeat(WIDTH)));
        lines.push(`  ${(i === 0 ? step : "").padStart(4)}  ${cells.join("  ")}`.trimEnd());
      });
      for (const f of effects) {
        const label = f.kind === "effect" ? f.effect : "invariant";
        for (const [i, l] of wrap(`✗ ${label}: ${f.message}`, WIDTH * 2).entries()) lines.push(`        ${i ? "  " : ""}${l}`);
      }
    }
    return lines.join("\n");
  }
}

export function rulesBanner(rules: RuleSet): string {
  if (rules.key === "unpatched") return "unpatched — the 2015 kernel (v4.1-rc), no fix";
  if (rules.key === "patched") return `patched — all four fixes: ${rules.fixes.map((f) => f.id).join(", ")}`;
  return `fixes: ${rules.fixes.map((f) => f.id).join(", ")}`;
}
