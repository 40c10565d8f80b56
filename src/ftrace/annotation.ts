/**
 * The `bgr:` annotation convention (DOMAIN.md §6.3), pure.
 *
 * Grammar: `bgr: <word> key=value ...`, decimal integers (0x accepted),
 * `stripes=devid:physical[,devid:physical]`.
 *   - `bgr: args k=v ...` — arguments for the task's next mapped line;
 *   - `bgr: <event> k=v ...` with <event> one of EVENT_WORDS — the line is the event.
 * Other keys (`ro=0 used=0`) are informational; `used` and `skip` are read.
 */
import type { Stripe } from "../events/types.ts";

export const EVENT_WORDS = ["unused_bg_check", "eb_write", "scrub_dev_extent", "discard_end", "trim_bg_end"] as const;
export type AnnotationEventWord = (typeof EVENT_WORDS)[number];

export interface AnnotationArgs {
  readonly bytenr: bigint | null;
  readonly len: bigint | null;
  readonly devid: number | null;
  readonly physical: bigint | null;
  readonly stripes: readonly Stripe[] | null;
  readonly used: bigint | null;
  readonly skip: boolean;
}

export type Annotation =
  | { readonly kind: "args"; readonly args: AnnotationArgs }
  | { readonly kind: "event"; readonly event: AnnotationEventWord; readonly args: AnnotationArgs }
  | { readonly kind: "unknown"; readonly word: string };

export class AnnotationError extends Error {}

// `bgr: args bytenr=29360128 len=1048576 devid=1 physical=38797312`
const ANNOTATION = /^bgr:\s*([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$/;
// one `key=value` of the message
const KEY_VALUE = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/;
// `1:38797312`: one stripe, devid:physical
const STRIPE = /^(\d+):(0x[0-9a-fA-F]+|\d+)$/;
const U64 = /^(0x[0-9a-fA-F]+|\d+)$/;

/** True if a printk message is an annotation (starts with `bgr:`). */
export function isAnnotation(text: string): boolean {
  return text.startsWith("bgr:");
}

/** Parses an annotation message; throws AnnotationError on a malformed value. */
export function parseAnnotation(text: string): Annotation {
  const m = ANNOTATION.exec(text.trim());
  if (!m) throw new AnnotationError("annotation without a word after `bgr:`");
  const word = m[1]!;
  const isEvent = (EVENT_WORDS as readonly string[]).includes(word);
  if (word !== "args" && !isEvent) return { kind: "unknown", word };
  const args = parseArgs(m[2]!);
  return word === "args" ? { kind: "args", args } : { kind: "event", event: word as AnnotationEventWord, args };
}

function parseArgs(text: string): AnnotationArgs {
  let bytenr: bigint | null = null;
  let logical: bigint | null = null;
  let len: bigint | null = null;
  let devid: number | null = null;
  let physical: bigint | null = null;
  let stripes: Stripe[] | null = null;
  let used: bigint | null = null;
  let skip = false;
  for (const token of text.split(/\s+/)) {
    if (token === "") continue;
    const kv = KEY_VALUE.exec(token);
    if (!kv) continue; // bare words are informational
    const [, key, value] = kv as unknown as [string, string, string];
    switch (key) {
      case "bytenr":
        bytenr = u64(key, value);
        break;
      case "logical":
        logical = u64(key, value);
        break;
      case "len":
        len = u64(key, value);
        break;
      case "physical":
        physical = u64(key, value);
        break;
      case "used":
        used = u64(key, value);
        break;
      case "devid": {
        const n = u64(key, value);
        if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new AnnotationError(`devid=${value}: too large`);
        devid = Number(n);
        break;
      }
      case "stripes":
        stripes = value.split(",").map((s) => {
          const sm = STRIPE.exec(s);
          if (!sm) throw new AnnotationError(`stripes=${value}: expected devid:physical[,devid:physical]`);
          return { devid: Number(sm[1]), physical: BigInt(sm[2]!) };
        });
        break;
      case "skip":
        if (value !== "0" && value !== "1") throw new AnnotationError(`skip=${value}: expected 0 or 1`);
        skip = value === "1";
        break;
      default:
        // Informational keys (`ro=0`) are kept out of the event.
        break;
    }
  }
  // `logical` names the chunk's logical address: the same thing as bytenr (§3 Args).
  return { bytenr: bytenr ?? logical, len, devid, physical, stripes, used, skip };
}

function u64(key: string, value: string): bigint {
  if (!U64.test(value)) throw new AnnotationError(`${key}=${value}: expected a decimal integer`);
  const n = BigInt(value);
  if (n >= 1n << 64n) throw new AnnotationError(`${key}=${value}: does not fit 64 bits`);
  return n;
}
