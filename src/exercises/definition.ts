/**
 * Exercise files (seeds/exercises/*.yaml, format in seeds/exercises/README.md):
 * YAML (JSON is YAML too) → zod → `ExerciseDef`. Every error is one line
 * naming the place: `file:line: field: problem`, the line found from the
 * YAML node of the field at fault. Pure: no replay here (see `verify.ts`).
 */
import { createHash } from "node:crypto";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { z } from "zod";
import { DomainError } from "../errors.ts";
import { controlCharacterIn, isUuid } from "../names.ts";
import { FIX_IDS, FIX_OF_RACE, resolveRules, type FixId } from "../rules/index.ts";
import { RACE_IDS } from "../events/races.ts";
import type { RaceId } from "../replay/types.ts";
import { EXERCISE_KINDS, FEEDBACK_LEVELS, QUESTION_ASKS, type ExerciseDef, type QuestionAsk, type TraceSource } from "./types.ts";


export const SLUG_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Where a field of the source text is: 1-based line, or null when the text has no such node. */
export type Locate = (path: readonly (string | number)[]) => number;

export interface ParsedDefinition {
  readonly def: ExerciseDef;
  /** The file name used in messages. */
  readonly file: string;
  readonly locate: Locate;
  /** Line where the content of `trace.inline` starts (block scalars: the line after `|`). */
  readonly inlineFirstLine: number | null;
  readonly text: string;
  readonly hash: string;
}

/** `file:line: field: problem` as a BAD_USER_INPUT DomainError. */
export function definitionError(file: string, line: number, field: string, problem: string): DomainError {
  return new DomainError("BAD_USER_INPUT", `${file}:${line}: ${field ? `${field}: ` : ""}${problem}`);
}

// ---- schema ---------------------------------------------------------------------------

const nonEmpty = z.string().trim().min(1, "must not be empty");
/** A title people read: no control characters (names.ts). */
const title = nonEmpty.superRefine((s, ctx) => {
  const bad = controlCharacterIn(s);
  if (bad) ctx.addIssue({ code: "custom", message: `contains the control character ${bad}` });
});
const raceId = z.enum(RACE_IDS as unknown as [RaceId, ...RaceId[]], { error: `expected one of ${RACE_IDS.join(", ")}` });
const fixId = z.enum(FIX_IDS as [FixId, ...FixId[]], { error: `expected one of ${FIX_IDS.join(", ")}` });
const count = z.number({ error: "expected a whole number" }).int("expected a whole number").nonnegative("must be >= 0");

const slug = z
  .string({ error: "expected a string" })
  .regex(SLUG_RE, "use lower-case letters, digits and -, at most 64 characters")
  .refine((s) => !isUuid(s), "must not look like a uuid (course exercises have uuid ids)");

const traceSource = z
  .object(
    {
      scenario: nonEmpty.optional(),
      inline: nonEmpty.optional(),
      stored: nonEmpty.optional(),
      upTo: count.optional(),
    },
    { error: "expected scenario: NAME, inline: | … or stored: TRACE-ID with upTo: N" },
  )
  .strict()
  .superRefine((t, ctx) => {
    const given = (["scenario", "inline", "stored"] as const).filter((k) => t[k] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: "custom", message: "give exactly one of scenario, inline, stored" });
    if (t.stored !== undefined && t.upTo === undefined) ctx.addIssue({ code: "custom", path: ["upTo"], message: "a stored trace needs upTo: N (the events the exercise uses)" });
    if (t.stored === undefined && t.upTo !== undefined) ctx.addIssue({ code: "custom", path: ["upTo"], message: "upTo only goes with stored" });
  })
  .transform((t): TraceSource =>
    t.scenario !== undefined
      ? { kind: "scenario", name: t.scenario }
      : t.inline !== undefined
        ? { kind: "inline", text: t.inline }
        : { kind: "stored", trace: t.stored!, upTo: t.upTo! },
  );

/** `A B B A`, `A,B,B,A` or a YAML list; actor names, optionally with their step number (`A1 B1 B2`). */
export const scheduleSchema = z
  .union([z.string(), z.array(z.union([z.string(), z.number()]))], { error: "expected a list of actor names" })
  .transform((v) => (Array.isArray(v) ? v.map(String) : v.split(/[\s,]+/)).map((s) => s.trim()).filter((s) => s.length > 0))
  .refine((v) => v.length > 0, "must name at least one step");

/** A list of fix ids (`none` or [] = no fix), returned in table order. */
export const fixesSchema = z
  .union([z.literal("none"), z.string(), z.array(fixId)], { error: "expected a list of fix ids" })
  .transform((v, ctx): FixId[] => {
    const list = v === "none" ? [] : typeof v === "string" ? v.split(/[\s,]+/).filter((s) => s.length > 0) : v;
    const seen = new Set<string>();
    for (const f of list) {
      if (!(FIX_IDS as readonly string[]).includes(f)) {
        ctx.addIssue({ code: "custom", message: `unknown fix ${JSON.stringify(f)} (known: ${FIX_IDS.join(", ")})` });
        return z.NEVER;
      }
      if (seen.has(f)) {
        ctx.addIssue({ code: "custom", message: `${f} given twice` });
        return z.NEVER;
      }
      seen.add(f);
    }
    return FIX_IDS.filter((f) => seen.has(f));
  });

const rulesSchema = z
  .union([z.string(), z.array(z.string())], { error: "expected a rule set: unpatched, patched or fix ids" })
  .transform((v, ctx): string[] => {
    const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
    try {
      return [...resolveRules(parts).names];
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof DomainError ? err.message : String(err) });
      return z.NEVER;
    }
  });

/** The questions about one block group (they need `bg`). */
export const BG_ASKS: readonly QuestionAsk[] = ["read-only", "ro-count", "in-cache-tree", "extent-map", "map-pinned", "removed-flag", "item-inserted", "dirty", "trimming"];

/** yes/no, true/false, a count or an actor name → the canonical answer text. */
export const answerValue = z
  .union([z.boolean(), z.number(), z.string()], { error: "expected yes, no, a number or an actor name" })
  .transform((v): string => (typeof v === "boolean" ? (v ? "yes" : "no") : typeof v === "number" ? String(v) : canonicalAnswerText(v)));

export function canonicalAnswerText(v: string): string {
  const t = v.trim();
  const l = t.toLowerCase();
  if (["yes", "y", "true"].includes(l)) return "yes";
  if (["no", "n", "false"].includes(l)) return "no";
  if (["none", "nobody", "free", "-"].includes(l)) return "none";
  if (/^[0-9]+$/.test(t)) return String(Number(t));
  return t;
}

const question = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "use letters, digits, _ and -").optional(),
    ask: z.enum(QUESTION_ASKS, { error: `expected one of ${QUESTION_ASKS.join(", ")}` }),
    bg: z.union([z.string(), z.number()]).transform(String).optional(),
    actor: z.union([z.string(), z.number()]).transform(String).optional(),
    answer: answerValue,
  })
  .strict()
  .superRefine((q, ctx) => {
    const needsBg = BG_ASKS.includes(q.ask);
    if (needsBg && q.bg === undefined) ctx.addIssue({ code: "custom", path: ["bg"], message: `${q.ask} asks about a block group: give bg: NAME or address` });
    if (!needsBg && q.bg !== undefined) ctx.addIssue({ code: "custom", path: ["bg"], message: `${q.ask} is not about a block group` });
    if (q.ask === "blocked" && q.actor === undefined) ctx.addIssue({ code: "custom", path: ["actor"], message: "blocked asks about an actor: give actor: NAME" });
    if (q.ask !== "blocked" && q.actor !== undefined) ctx.addIssue({ code: "custom", path: ["actor"], message: `${q.ask} is not about an actor` });
  });

const base = {
  id: slug,
  title,
  race: raceId,
  statement: nonEmpty,
  hints: z.array(nonEmpty, { error: "expected a list of hints" }).min(1, "give at least one hint"),
  explanation: nonEmpty.nullable().default(null),
  trace: traceSource,
  feedback: z.enum(FEEDBACK_LEVELS, { error: `expected one of ${FEEDBACK_LEVELS.join(", ")}` }).default("full"),
  attempts: count.min(1, "allow at least one attempt").nullable().default(null),
};

const definitionSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ ...base, kind: z.literal("spot-the-race"), key: z.object({ race: raceId, seq: count.min(1, "seqs start at 1") }).strict() }).strict(),
    z
      .object({ ...base, kind: z.literal("be-the-scheduler"), fix: fixId.optional(), key: z.object({ schedule: scheduleSchema }).strict() })
      .strict(),
    z.object({ ...base, kind: z.literal("which-fix"), key: z.object({ fixes: fixesSchema }).strict() }).strict(),
    z
      .object({
        ...base,
        kind: z.literal("predict-the-state"),
        rules: rulesSchema.default(["unpatched"]),
        at: count,
        questions: z.array(question, { error: "expected a list of questions" }).min(1, "ask at least one question"),
      })
      .strict(),
  ],
  { error: `kind: expected one of ${EXERCISE_KINDS.join(", ")}` },
);

type DefinitionInput = z.output<typeof definitionSchema>;

function toDefinition(d: DefinitionInput): ExerciseDef {
  switch (d.kind) {
    case "spot-the-race":
      return d;
    case "be-the-scheduler":
      return { ...d, fix: d.fix ?? FIX_OF_RACE[d.race] };
    case "which-fix":
      return d;
    case "predict-the-state":
      return {
        ...d,
        questions: d.questions.map((q, i) => ({ id: q.id ?? `q${i + 1}`, ask: q.ask, bg: q.bg ?? null, actor: q.actor ?? null, answer: q.answer })),
      };
  }
}

// ---- locating fields -----------------------------------------------------------------------

function makeLocate(doc: Document, lc: LineCounter): Locate {
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  return (path) => {
    let node: unknown = doc.contents;
    let line = lineOf((doc.contents as Node | null)?.range?.[0]);
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        const k = pair.key as Node | null;
        if (k?.range) line = lineOf(k.range[0]);
        node = pair.value;
        const v = node as Node | null;
        if (v?.range && isScalar(v)) line = lineOf(v.range[0]);
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        if (item.range) line = lineOf(item.range[0]);
        node = item;
      } else break;
    }
    return line;
  };
}

function inlineStart(doc: Document, lc: LineCounter): number | null {
  const n = doc.getIn(["trace", "inline"], true) as Node | undefined;
  if (!n || !isScalar(n) || !n.range) return null;
  const line = lc.linePos(n.range[0]).line;
  return n.type === "BLOCK_LITERAL" || n.type === "BLOCK_FOLDED" ? line + 1 : line;
}

function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = raw;
  for (const seg of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function issueMessage(issue: z.core.$ZodIssue, raw: unknown, path: readonly (string | number)[]): string {
  if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.join(", ")}`;
  if (issue.code === "invalid_type" && valueAt(raw, path) === undefined) return "missing";
  return issue.message;
}

/** Parses and validates one exercise definition. Throws DomainError BAD_USER_INPUT `file:line: field: problem`. */
export function parseDefinition(text: string, file: string): ParsedDefinition {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line ?? 1;
    throw definitionError(file, line, "", `not valid YAML: ${yamlError.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`);
  }
  const locate = makeLocate(doc, lc);
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw definitionError(file, 1, "", "expected a mapping of fields (id, kind, title, …)");
  const parsed = definitionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    // An unknown field is reported at its own line.
    const at = issue.code === "unrecognized_keys" && issue.keys[0] !== undefined ? [...path, issue.keys[0]] : path;
    throw definitionError(file, locate(at), path.join("."), issueMessage(issue, raw, path));
  }
  return {
    def: toDefinition(parsed.data),
    file,
    locate,
    inlineFirstLine: inlineStart(doc, lc),
    text,
    hash: createHash("sha256").update(text).digest("hex"),
  };
}

/**
 * The definition's text with some top-level fields set (an instructor edits a
 * generated draft's statement or title): the rest, comments included, stays
 * as written. The result still has to be loaded (validated, key-checked).
 */
export function editDefinition(text: string, file: string, change: Readonly<Record<string, string>>): string {
  const doc = parseDocument(text, { uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) throw definitionError(file, yamlError.linePos?.[0]?.line ?? 1, "", "not valid YAML");
  for (const [k, v] of Object.entries(change)) doc.set(k, v);
  return doc.toString({ lineWidth: 0 });
}
