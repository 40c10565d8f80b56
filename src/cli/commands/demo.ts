/**
 * `racelab demo [race]`: the seed races replayed under unpatched and
 * patched, as two-column timelines like the seeds' CPU diagrams, with the
 * state changes that matter and the verdicts. Loads the seeds first
 * (idempotent), then replays the stored traces.
 */
import { DomainError } from "../../errors.ts";
import { write } from "../command.ts";
import { initialState } from "../../projections/state.ts";
import { DemoRenderer, rulesBanner } from "../../replay/render.ts";
import { createReplayService } from "../../replay-service.ts";
import { resolveRules } from "../../rules/index.ts";
import { RACE_IDS } from "../../events/races.ts";
import { seedScenarios } from "../../scenario/load.ts";
import type { RaceId } from "../../replay/types.ts";
import { type ReplayCommandContext, parseFlags, ruleSetArg } from "./check.ts";

export const name = "demo";
export const summary = "replay the seed races under unpatched and patched, side by side per CPU";
export const usage = `racelab demo [race] [--benign] [--rules R]`;
export const help = `${usage}

Shows how each race of the seeds happens in the 2015 kernel and why the fix
prevents it: the events of each task in its CPU's column, what they change
(ro, extent maps, the mutex, pinned chunks…), where a task waits, and the
verdicts. race: ${RACE_IDS.join(", ")} (default: all four).
--benign shows the benign variant; --rules adds a third replay (e.g. one fix).
`;

interface StoredScenarioMeta {
  scenario?: {
    race: RaceId | null;
    title: string | null;
    seed: string | null;
    description: string | null;
    actors: { name: string; pid: number; comm: string | null; role: string | null; cpu: number | null }[];
    names: [string, string][];
  };
}

/** Checks the flags, the races and the rule set; opens nothing. */
export function parse(argv: readonly string[]) {
  const { values, positionals } = parseFlags("demo", argv, { benign: { type: "boolean" }, rules: { type: "string" } });
  const races = positionals.length === 0 ? RACE_IDS : positionals;
  for (const r of races) {
    if (!RACE_IDS.includes(r as RaceId)) throw new DomainError("BAD_USER_INPUT", `demo: unknown race "${r}" (known: ${RACE_IDS.join(", ")})`);
  }
  const extra = values.rules === undefined ? [] : [ruleSetArg("demo", values.rules)];
  return { help: values.help === true, benign: values.benign === true, races: races as readonly RaceId[], rules: ["unpatched", "patched", ...extra] };
}

export async function run(argv: readonly string[], ctx: ReplayCommandContext): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    await write(ctx.stdout, help);
    return 0;
  }
  const races = args.races;
  const seeded = await seedScenarios(ctx.store);
  const service = createReplayService(ctx.store);
  const ruleSets = args.rules.map((x) => resolveRules([x]));
  const lines: string[] = [];
  const w = (s = "") => void lines.push(s);
  for (const race of races) {
    const traceName = args.benign ? `${race}.benign` : race;
    const t = seeded.find((s) => s.name === traceName)?.trace;
    if (!t) throw new DomainError("NOT_FOUND", `demo: no seed scenario ${traceName}.scenario`);
    const meta = (t.meta as StoredScenarioMeta | null)?.scenario;
    const renderer = new DemoRenderer({
      title: meta?.title ?? race,
      description: meta?.description ?? null,
      actors: meta?.actors ?? [],
      names: (meta?.names ?? []).map(([n, v]) => [n, BigInt(v)] as const),
    });
    w("═".repeat(100));
    w(`${race}${args.benign ? " (benign variant)" : ""}`);
    if (meta?.title) w(`  ${meta.title}${meta.seed ? `  [seed ${meta.seed}]` : ""}`);
    if (meta?.description) for (const l of wrapText(meta.description, 96)) w(`  ${l}`);
    w();
    const legend = (meta?.names ?? []).map(([n, v]) => `${n} = 0x${BigInt(v).toString(16)}`);
    if (legend.length) w(`  addresses: ${legend.join("   ")}`);
    for (const a of meta?.actors ?? []) w(`  ${a.name} = ${a.comm ?? "?"} (pid ${a.pid}${a.role ? `, ${a.role}` : ""}${a.cpu !== null ? `, CPU ${a.cpu}` : ""})`);
    const verdicts: string[] = [];
    for (const rules of ruleSets) {
      const res = await service.checkDetailed(t.id, rules.names, { timeline: true });
      w();
      w(`── ${rulesBanner(rules)}`);
      w(renderer.timeline(res.engine.timeline ?? [], initialState({ itemsUnknown: res.engine.fs.itemsUnknown })));
      const rep = res.report;
      const f = rep.findings[0];
      const v =
        rep.verdict === "bug" && f
          ? `BUG — ${f.effect} at step ${f.seq}${f.line !== null ? ` (line ${f.line})` : ""}`
          : rep.verdict === "clean"
            ? `clean${rep.reordered.length ? ` — ${rep.reordered.length} event(s) waited for the mutex` : ""}`
            : `undecidable — ${rep.undecided[0]?.why ?? ""}`;
      w(`  verdict: ${v}`);
      verdicts.push(`${rules.key.padEnd(10)} ${v}`);
    }
    w();
    for (const v of verdicts) w(`  ${v}`);
    w();
  }
  w(`Replay any of them yourself: racelab check <name> --rules unpatched|patched|<fix> (racelab traces lists them).`);
  await write(ctx.stdout, `${lines.join("\n")}\n`);
  return 0;
}

function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const word of text.split(/\s+/)) {
    if (cur && cur.length + word.length + 1 > width) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) out.push(cur);
  return out;
}

export const runDemo = run;
