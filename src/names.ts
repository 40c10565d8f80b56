/**
 * Names people give things — traces, courses, users, exercises — are shown
 * on terminals and pages. A control character in one could forge a line on a
 * terminal (ESC sequences, a newline) or hide text (bidi overrides); NUL
 * cannot be stored. New names with them are refused; names printed on a
 * terminal are escaped as in JSON, whatever older rows or logs hold (a task
 * name may be anything the kernel was given).
 */
import { DomainError } from "./errors.ts";

// C0, DEL, C1, and the bidi embeddings/overrides/isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_OR_BACKSLASH = /[\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The first control character of `s` as `U+XXXX at position N`, or null. */
export function controlCharacterIn(s: string): string | null {
  const bad = CONTROL.exec(s);
  if (!bad) return null;
  return `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} at position ${bad.index + 1}`;
}

/** The name, trimmed; BAD_USER_INPUT naming `field` when it is empty, too long or holds a control character. */
export function checkName(field: string, value: string, max = 200): string {
  const name = value.trim();
  if (name === "") throw new DomainError("BAD_USER_INPUT", `${field}: must not be empty`);
  if (name.length > max) throw new DomainError("BAD_USER_INPUT", `${field}: at most ${max} characters`);
  const bad = controlCharacterIn(name);
  if (bad) throw new DomainError("BAD_USER_INPUT", `${field}: contains the control character ${bad}`);
  return name;
}

/** Text for a terminal: control characters and backslashes escaped as in JSON (`\u001b`, `\n`, `\\`). */
export function printable(s: string): string {
  return s.replace(CONTROL_OR_BACKSLASH, (c) => (c.charCodeAt(0) < 0x80 ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** A UUID as racelab's ids and btrfs fsids print it (regular-expression source, no anchors). */
export const UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const UUID = new RegExp(`^${UUID_PATTERN}$`, "i");

/** Is `s` a UUID (an id racelab made, not a name)? */
export const isUuid = (s: string): boolean => UUID.test(s);
