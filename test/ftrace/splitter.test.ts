/**
 * The line splitter alone: bytes in any chunking → the same numbered lines.
 */
import { LineSplitter, type SplitItem } from "../../src/ftrace/splitter.ts";

function split(chunks: readonly Buffer[], max?: number): SplitItem[] {
  const s = new LineSplitter(max);
  const out: SplitItem[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.end());
  return out;
}

function bytewise(b: Buffer): Buffer[] {
  return [...b].map((x) => Buffer.from([x]));
}

const lines = (items: SplitItem[]) =>
  items.map((i) => (i.kind === "line" ? `${i.line}:${i.text}${i.last ? "$" : ""}${i.nul ? "\\0" : ""}` : `${i.line}:<${i.bytes}>`));

describe("line splitter", () => {
  test("any chunking gives the same lines; CRLF ends are accepted", () => {
    const text = Buffer.from("a b\r\nc\n\nd é\n");
    const expected = ["1:a b", "2:c", "3:", "4:d é"];
    expect(lines(split([text]))).toEqual(expected);
    expect(lines(split(bytewise(text)))).toEqual(expected);
    expect(lines(split([text.subarray(0, 4), text.subarray(4, 11), text.subarray(11)]))).toEqual(expected);
  });

  test("a last line without newline is marked", () => {
    expect(lines(split([Buffer.from("x\ny")]))).toEqual(["1:x", "2:y$"]);
    expect(lines(split(bytewise(Buffer.from("x\ny"))))).toEqual(["1:x", "2:y$"]);
    expect(lines(split([Buffer.from("x\n")]))).toEqual(["1:x"]);
  });

  test("bytes that are not UTF-8 become U+FFFD, also split across chunks", () => {
    const bad = Buffer.concat([Buffer.from("ab"), Buffer.from([0xff, 0xfe]), Buffer.from("c\n")]);
    expect(lines(split(bytewise(bad)))).toEqual(["1:ab\uFFFD\uFFFDc"]);
    const e = Buffer.from("é\n"); // two bytes, split between chunks
    expect(lines(split([e.subarray(0, 1), e.subarray(1)]))).toEqual(["1:é"]);
  });

  test("a line over the cap is reported with its size and never buffered whole", () => {
    const long = Buffer.alloc(5000, 0x61);
    const input = Buffer.concat([Buffer.from("ok\n"), long, Buffer.from("\nafter\n")]);
    const viaChunks = split(
      Array.from({ length: Math.ceil(input.length / 100) }, (_, i) => input.subarray(i * 100, (i + 1) * 100)),
      1000,
    );
    expect(lines(viaChunks)).toEqual(["1:ok", "2:<5000>", "3:after"]);
    const item = viaChunks[1]!;
    expect(item.kind === "overlong" && item.prefix).toBe("a".repeat(200));
    // In one chunk bigger than the cap.
    expect(lines(split([input], 1000))).toEqual(["1:ok", "2:<5000>", "3:after"]);
    // A long last line without newline.
    expect(lines(split([Buffer.concat([Buffer.from("ok\n"), long])], 1000))).toEqual(["1:ok", "2:<5000>"]);
  });
});
