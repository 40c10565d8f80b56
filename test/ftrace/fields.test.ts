/**
 * The tracepoint field scan (fields.ts) reads bodies as two regexes would
 * (DOMAIN.md §6.1 "Tracepoint fields"): the fsid prefix `^(UUID):\s*` and the
 * pairs `([A-Za-z_][A-Za-z0-9_]*)\s?=\s?([^\s,]*)` (global), first occurrence of a
 * key winning. The regexes are the expectation here, run on the real logs'
 * bodies and on random ones.
 */
import { readFileSync } from "node:fs";
import { parseTracepointFields } from "../../src/ftrace/fields.ts";
import { rng } from "../helpers/random.ts";

const FSID_PREFIX = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):\s*/;
const PAIR = /([A-Za-z_][A-Za-z0-9_]*)\s?=\s?([^\s,]*)/g;

function byRegex(body: string): { fsid: string | null; values: [string, string][] } {
  const m = FSID_PREFIX.exec(body);
  const rest = m ? body.slice(m[0].length) : body;
  const values = new Map<string, string>();
  for (const p of rest.matchAll(PAIR)) if (!values.has(p[1]!)) values.set(p[1]!, p[2]!);
  return { fsid: m ? m[1]!.toLowerCase() : null, values: [...values] };
}

function byScan(body: string): { fsid: string | null; values: [string, string][] } {
  const r = parseTracepointFields(body);
  return { fsid: r.fsid, values: [...r.values] };
}

test("the bodies of the real 6.1 nop log read as the regexes read them", () => {
  const text = readFileSync(new URL("../../../shared/traces/balance-events.trace", import.meta.url), "utf8");
  let bodies = 0;
  for (const line of text.split("\n")) {
    // `…: name: body` after the timestamp
    const m = /^\s*.*?-\d+\s+\[\d+\]\s+\S+\s+\d+\.\d+: [^\s:]+: (.*)$/.exec(line);
    if (!m) continue;
    bodies++;
    expect(byScan(m[1]!)).toEqual(byRegex(m[1]!));
  }
  expect(bodies).toBeGreaterThan(50_000);
});

test("literal bodies: 4.1 spacing, values in parentheses, a second key, no fsid, upper-case fsid", () => {
  const cases: [string, string | null, [string, string][]][] = [
    ["ee24aaec-78d8-4bb8-a596-09a234d3cdd9: root=3(CHUNK_TREE) offset=30408704 size=8388608", "ee24aaec-78d8-4bb8-a596-09a234d3cdd9", [["root", "3(CHUNK_TREE)"], ["offset", "30408704"], ["size", "8388608"]]],
    ["root = 3(CHUNK_TREE), offset = 13631488, size = 8388608", null, [["root", "3(CHUNK_TREE)"], ["offset", "13631488"], ["size", "8388608"]]],
    ["EE24AAEC-78D8-4BB8-A596-09A234D3CDD9:bg bytenr=1 len=2 bytenr=3", "ee24aaec-78d8-4bb8-a596-09a234d3cdd9", [["bytenr", "1"], ["len", "2"]]],
    ["9ab=1 x-y=2 a =, b= c", null, [["ab", "1"], ["y", "2"], ["a", ""], ["b", "c"]]],
    ["space_info: 4 reserve 1310720", null, []],
  ];
  for (const [body, fsid, values] of cases) expect(byScan(body)).toEqual({ fsid, values });
});

test("random bodies read as the regexes read them", () => {
  const r = rng(Number(process.env.RACELAB_PROPERTY_SEED ?? 7));
  const alphabet = ["a", "Z", "_", "9", "=", " ", "  ", ",", "\t", "(", ")", "-", ":", "\u00a0", "é", "key", "offset=", "ee24aaec-78d8-4bb8-a596-09a234d3cdd9: "];
  for (let i = 0; i < 20_000; i++) {
    let body = "";
    const n = Math.floor(r() * 12);
    for (let j = 0; j < n; j++) body += alphabet[Math.floor(r() * alphabet.length)];
    expect(byScan(body)).toEqual(byRegex(body));
  }
});
