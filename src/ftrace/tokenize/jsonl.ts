/**
 * Tokenizer of racelab's own JSON-lines format: one `encodeEvent` object per
 * line, validated with the catalog's `decodeEvent`. Pure.
 */
import { decodeEvent, EventValidationError } from "../../events/catalog.ts";
import type { LineRecord } from "../records.ts";
import { LineError } from "../records.ts";
import { checkUtf8Outside, firstNonSpace, SKIP } from "./common.ts";

// `{"type":"remove_chunk","data":{"bytenr":"13631488"},"origin":{"line":277,"lineSeq":0,"pid":1648,…},"chain":{"id":3,"kind":"relocation"}}`
export function tokenizeJsonl(text: string): LineRecord {
  if (firstNonSpace(text) === "") return SKIP.blank;
  checkUtf8Outside(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LineError(`not JSON (${(err as Error).message})`);
  }
  try {
    return { kind: "event", event: decodeEvent(json) };
  } catch (err) {
    if (err instanceof EventValidationError) throw new LineError(`invalid event: ${err.message}`);
    throw err;
  }
}
