/**
 * Answers as they arrive — GraphQL's `AnswerInput`, JSON, or the terminal's
 * `--answer "race=… seq=…"` — turned into an `Answer` of the exercise's kind.
 * A malformed answer is BAD_USER_INPUT naming the answer field; nothing here
 * looks at the key.
 */
import { DomainError } from "../errors.ts";
import type { RaceId } from "../replay/types.ts";
import { RACE_IDS } from "../events/races.ts";
import { canonicalAnswerText, fixesSchema, scheduleSchema } from "./definition.ts";
import { answerError } from "./grade.ts";
import type { Answer, ExerciseKind } from "./types.ts";

/** The fields an answer may have, by kind (GraphQL `AnswerInput`, JSON). */
export interface AnswerFields {
  readonly race?: string | null;
  readonly seq?: number | null;
  readonly schedule?: readonly string[] | string | null;
  readonly fixes?: readonly string[] | string | null;
  /** Predict the state: question id → value. */
  readonly answers?: Readonly<Record<string, string | number | boolean>> | readonly { question: string; value: string }[] | null;
}

const FIELDS_OF: Record<ExerciseKind, readonly (keyof AnswerFields)[]> = {
  "spot-the-race": ["race", "seq"],
  "be-the-scheduler": ["schedule"],
  "which-fix": ["fixes"],
  "predict-the-state": ["answers"],
};

export function answerFields(kind: ExerciseKind): readonly string[] {
  return FIELDS_OF[kind];
}

export function answerFromFields(kind: ExerciseKind, input: AnswerFields): Answer {
  const allowed = FIELDS_OF[kind];
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v === null) continue;
    if (!(allowed as readonly string[]).includes(k)) throw answerError(k, `not part of a ${kind} answer (give ${allowed.join(", ")})`);
  }
  switch (kind) {
    case "spot-the-race": {
      const race = input.race;
      if (race === undefined || race === null) throw answerError("race", "missing");
      if (!(RACE_IDS as readonly string[]).includes(race)) throw answerError("race", `unknown race ${JSON.stringify(race)} (races: ${RACE_IDS.join(", ")})`);
      const seq = input.seq;
      if (seq === undefined || seq === null) throw answerError("seq", "missing");
      if (!Number.isSafeInteger(seq) || seq < 1) throw answerError("seq", `expected a sequence number >= 1, got ${seq}`);
      return { kind, race: race as RaceId, seq };
    }
    case "be-the-scheduler": {
      const r = scheduleSchema.safeParse(input.schedule ?? undefined);
      if (!r.success) throw answerError("schedule", input.schedule == null ? "missing" : (r.error.issues[0]?.message ?? "invalid"));
      if (r.data.length > 10_000) throw answerError("schedule", "too long");
      return { kind, schedule: r.data };
    }
    case "which-fix": {
      const r = fixesSchema.safeParse(input.fixes ?? undefined);
      if (!r.success) throw answerError("fixes", input.fixes == null ? "missing (an empty list or none means no fix)" : (r.error.issues[0]?.message ?? "invalid"));
      return { kind, fixes: r.data };
    }
    case "predict-the-state": {
      const a = input.answers;
      if (a === undefined || a === null) throw answerError("answers", "missing");
      const out: Record<string, string> = {};
      const put = (q: string, v: unknown) => {
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw answerError(`answers.${q}`, "expected yes, no, a number or an actor name");
        if (q in out) throw answerError(`answers.${q}`, "answered twice");
        out[q] = typeof v === "boolean" ? (v ? "yes" : "no") : canonicalAnswerText(String(v));
      };
      if (Array.isArray(a)) for (const x of a as { question: string; value: string }[]) put(x.question, x.value);
      else for (const [q, v] of Object.entries(a)) put(q, v);
      return { kind, answers: out };
    }
  }
}

/** An answer given as JSON text (an object with the kind's fields). */
export function answerFromJson(kind: ExerciseKind, text: string): Answer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DomainError("BAD_USER_INPUT", `answer: not JSON (${(err as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new DomainError("BAD_USER_INPUT", "answer: expected a JSON object");
  const { kind: k, ...fields } = v as Record<string, unknown>;
  if (k !== undefined && k !== kind) throw answerError("kind", `this is a ${kind} exercise`);
  return answerFromFields(kind, fields as AnswerFields);
}

/**
 * The terminal's answer text: JSON, or `key=value` words.
 *   spot the race     race=balance-vs-unused-bg-deletion seq=8
 *   be the scheduler  A A B A B B B A        (or schedule=A,A,B,…)
 *   which fix         delete-unused-bgs-mutex,scrub-skip-removed-chunk   (or none)
 *   predict           holder=A cleaner-waits=yes
 */
export function parseAnswerText(kind: ExerciseKind, text: string): Answer {
  const t = text.trim();
  if (t.startsWith("{")) return answerFromJson(kind, t);
  const words = t.split(/\s+/).filter(Boolean);
  const kv = (w: string): [string, string] | null => {
    const i = w.indexOf("=");
    return i > 0 ? [w.slice(0, i), w.slice(i + 1)] : null;
  };
  switch (kind) {
    case "spot-the-race": {
      const f: Record<string, string> = {};
      for (const w of words) {
        const p = kv(w);
        if (!p) throw new DomainError("BAD_USER_INPUT", `answer: expected race=RACE seq=N, got ${JSON.stringify(w)}`);
        f[p[0]] = p[1];
      }
      const seq = f.seq === undefined ? undefined : /^[0-9]+$/.test(f.seq) ? Number(f.seq) : Number.NaN;
      const { race, seq: _s, ...rest } = f;
      return answerFromFields(kind, { race, ...(seq === undefined ? {} : { seq }), ...rest } as AnswerFields);
    }
    case "be-the-scheduler": {
      const joined = words.length === 1 && kv(words[0]!)?.[0] === "schedule" ? kv(words[0]!)![1] : words.join(" ");
      return answerFromFields(kind, { schedule: joined });
    }
    case "which-fix": {
      const joined = words.length === 1 && kv(words[0]!)?.[0] === "fixes" ? kv(words[0]!)![1] : words.join(",");
      return answerFromFields(kind, { fixes: joined === "" ? "none" : joined });
    }
    case "predict-the-state": {
      const answers: Record<string, string> = {};
      for (const w of words) {
        const p = kv(w);
        if (!p) throw new DomainError("BAD_USER_INPUT", `answer: expected QUESTION=VALUE, got ${JSON.stringify(w)}`);
        if (p[0] in answers) throw answerError(`answers.${p[0]}`, "answered twice");
        answers[p[0]] = p[1];
      }
      return answerFromFields(kind, { answers });
    }
  }
}
