/**
 * The content scan of an import (hash, and whether tracepoints print a
 * second fsid), fed the content in chunks however the reads cut it: an fsid
 * split between two chunks, at any place, is still seen. Expected: the
 * test's own sha256 and the fsids it wrote.
 */
import { createHash } from "node:crypto";
import { ContentScan } from "../../src/ftrace/source.ts";

const FSID_A = "078ba8f7-3bd8-40f9-96af-23eafed4907a";
const FSID_B = "0f0f0f0f-3bd8-40f9-96af-23eafed4907a";
const line = (fsid: string, i: number) => `  dd-5  [000] ....  1.${i}: btrfs_reserve_extent: ${fsid}: block_group=8192 start=8192 len=1\n`;

function scanned(content: Buffer, cuts: readonly number[]): ContentScan {
  const scan = new ContentScan();
  let at = 0;
  for (const cut of [...cuts, content.length]) {
    scan.push(content.subarray(at, cut));
    at = cut;
  }
  return scan;
}

test("a second fsid is seen wherever the chunks are cut, even inside it; one fsid alone never", () => {
  const one = Buffer.from(line(FSID_A, 1) + line(FSID_A, 2) + line(FSID_A, 3));
  const two = Buffer.from(line(FSID_A, 1) + line(FSID_A, 2) + line(FSID_B, 3));
  const second = two.indexOf(FSID_B);
  // Every cut from well before the second fsid's `: ` to past its closing `:`, alone and with small chunks around it.
  for (let cut = second - 60; cut <= second + 60; cut++) {
    for (const cuts of [[cut], [cut - 7, cut], [cut, cut + 3], [1, cut - 1, cut, cut + 1]]) {
      expect({ cuts, two: scanned(two, cuts).multipleFsids }).toEqual({ cuts, two: true });
      expect({ cuts, one: scanned(one, cuts).multipleFsids }).toEqual({ cuts, one: false });
    }
  }
});

test("the hash is the content's sha256 whatever the chunks", () => {
  const content = Buffer.from(Array.from({ length: 200 }, (_, i) => line(i % 2 ? FSID_A : FSID_B, i)).join(""));
  const expected = createHash("sha256").update(content).digest("hex");
  for (const size of [1, 13, 48, 4096]) {
    const cuts = [];
    for (let at = size; at < content.length; at += size) cuts.push(at);
    const scan = scanned(content, cuts);
    expect(scan.hash()).toBe(expected);
    expect(scan.bytes).toBe(content.length);
    expect(scan.multipleFsids).toBe(true);
  }
});
