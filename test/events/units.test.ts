/**
 * The number format of every view made for people (issue 14): addresses in
 * hex, sizes with a binary unit and the exact count for a tooltip,
 * timestamps as ftrace prints them; state changes field by field. Expected
 * values are written out by hand.
 */
import { payloadText } from "../../src/events/describe.ts";
import { duration, exactBytes, hex, parseAddress, parseTimestamp, size, timestamp } from "../../src/events/units.ts";
import { fieldChanges, pathText } from "../../src/projections/change-text.ts";

test("addresses in hex, from bigints, decimal strings and numbers; unknown is ?", () => {
  expect(hex(44723863552n)).toBe("0xa69c00000");
  expect(hex("13631488")).toBe("0xd00000");
  expect(hex(4096)).toBe("0x1000");
  expect(hex(null)).toBe("?");
  expect(hex("unknown")).toBe("unknown");
});

test("sizes: whole binary units as scenario files write them, else three significant digits; exact bytes for a tooltip", () => {
  expect(size(268435456n)).toBe("256M");
  expect(size("16384")).toBe("16K");
  expect(size(512)).toBe("512");
  expect(size(1610612736n)).toBe("1.5G");
  expect(size(12345678n)).toBe("11.8M"); // 11.7737… MiB
  expect(size(4163584n)).toBe("3.97M"); // 3.970… MiB
  expect(size(undefined)).toBe("?");
  expect(exactBytes("268435456")).toBe("268,435,456 bytes");
  expect(exactBytes(1n)).toBe("1 byte");
});

test("timestamps as seconds.microseconds (truncated, as ftrace prints ns/1000); durations with a unit", () => {
  expect(timestamp(13_716_279_999n)).toBe("13.716279");
  expect(timestamp("5000")).toBe("0.000005");
  expect(timestamp(null)).toBe("?");
  expect(duration(850n)).toBe("850 ns");
  expect(duration(132_000n)).toBe("132 µs");
  expect(duration(1_532_000n)).toBe("1.532 ms");
  expect(duration(2_345_678_901n)).toBe("2.345678 s");
  expect(parseTimestamp("13.716279")).toBe(13_716_279_000n);
  expect(parseTimestamp("13")).toBeNull();
  expect(parseAddress("0xD00000")).toBe(13631488n);
  expect(parseAddress("13631488")).toBe(13631488n);
  expect(parseAddress("X")).toBeNull();
});

test("payloads: addresses hex, sizes with a unit, flags by name, stripes by device; unknown left out or ?", () => {
  const data = { bytenr: "30408704", start: 30441472n, len: "16384", flags: 20, devid: null };
  expect(payloadText(data)).toBe("bytenr=0x1d00000 start=0x1d08000 len=16K flags=METADATA|RAID1");
  expect(payloadText(data, { unknown: true })).toBe("bytenr=0x1d00000 start=0x1d08000 len=16K flags=METADATA|RAID1 devid=?");
  expect(payloadText({ bytenr: "30408704" }, { names: new Map([["30408704", "X"]]) })).toBe("bytenr=X");
  expect(payloadText({ stripes: [{ devid: 1, physical: "1048576" }, { devid: 2, physical: 4096n }] })).toBe("stripes=dev1@0x100000,dev2@0x1000");
});

test("state changes field by field: paths and values in the people's format, a new entry expanded", () => {
  expect(pathText("blockGroups[44723863552].ro")).toBe("blockGroups[0xa69c00000].ro");
  expect(pathText("devExtents[1:1048576].deletedAt")).toBe("devExtents[1:0x100000].deletedAt");
  expect(pathText("actors[887].status")).toBe("actors[887].status");
  const changes = fieldChanges([
    { path: "blockGroups[44723863552].used", before: "0", after: "16384" },
    { path: "blockGroups[44723863552].inCacheTree", before: true, after: false },
    { path: "transactions[0].dirtyBlockGroups", before: [], after: ["30408704", "22020096"] },
    {
      path: "extentMaps[30408704]",
      before: null,
      after: { start: "30408704", length: null, type: ["METADATA", "RAID1"], inTree: true, stripes: null, stripeCount: 2 },
    },
  ]);
  expect(changes.map((c) => `${c.path}: ${c.before} → ${c.after}`)).toEqual([
    "blockGroups[0xa69c00000].used: 0 → 16K",
    "blockGroups[0xa69c00000].inCacheTree: yes → no",
    "transactions[0].dirtyBlockGroups: none → 0x1d00000, 0x1500000",
    "extentMaps[0x1d00000].start: — → 0x1d00000",
    "extentMaps[0x1d00000].type: — → METADATA|RAID1",
    "extentMaps[0x1d00000].inTree: — → yes",
    "extentMaps[0x1d00000].stripeCount: — → 2",
  ]);
  expect(changes[0]!.exact).toEqual({ before: "0 bytes", after: "16,384 bytes" });
  expect(changes[1]!.exact).toBeNull();
});
