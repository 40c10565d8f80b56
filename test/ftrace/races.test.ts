/**
 * The four races of DOMAIN.md §5 written as kernel traces (one per format,
 * `bgr:` annotations where the kernel prints no argument) map to the
 * canonical event sequences, step by step.
 */
import { brief, parse, readFixture } from "./helpers.ts";

describe("races in ftrace form", () => {
  test("5.1 balance-vs-unused-bg-deletion (4.1-era function tracer)", () => {
    const { events, report } = parse(readFixture("races/balance-vs-unused-bg-deletion.trace"));
    const X = 29360128n;
    expect(events.map(brief)).toEqual([
      `13.0 2001 relocate_chunk ${X} relocation`, // 1 A relocate_chunk(X)
      `14.0 2001 relocate_bg ${X} relocation`, // 2 A relocate_bg(X)
      `15.0 1500 unused_bg_check ${X} deletion`, // 3 B check: proceed
      `16.0 2001 set_ro ${X} relocation`, // 4 A set_ro(X)
      `17.0 1500 set_ro ${X} deletion`, // 5 B set_ro(X)
      `18.0 1500 remove_chunk ${X} deletion`, // 6 B remove_chunk(X)
      `19.0 1500 chunk_free ${X} deletion`,
      `20.0 1500 remove_block_group ${X} deletion`, // 7 B remove_block_group(X)
      `21.0 2001 remove_chunk ${X} relocation`, // 8 A remove_chunk(X): the assertion fails here
      "22.0 2001 assert_fail",
    ]);
    expect(events[2]!.data).toEqual({ bytenr: X, outcome: "proceed", used: 0n, flags: null });
    expect(events[3]!.data).toEqual({ bytenr: X, flag: true }); // 4.1-era names set a flag
    expect(report.unbound).toBe(0);
  });

  test("5.2 trim-vs-bg-removal (5.x function tracer with TGID)", () => {
    const { events, report } = parse(readFixture("races/trim-vs-bg-removal.trace"));
    const X = 1104150528n;
    const Y = 1372585984n;
    expect(events.map(brief)).toEqual([
      `13.0 300 unused_bg_check ${X} deletion`, // 1 B check
      `14.0 300 set_ro ${X} deletion`, // 2 B set_ro
      `17.0 700 trim_bg ${X} trim`, // 3 A trim_bg(X)
      `20.0 700 discard_start ${X} trim`, // 4 A discard_start on R
      `21.0 300 remove_chunk ${X} deletion`, // 5 B remove_chunk
      `22.0 300 chunk_free ${X} deletion`,
      `23.0 300 remove_block_group ${X} deletion`, // 6 B remove_block_group (fn + tp merged)
      "25.0 301 commit_start",
      "26.0 301 commit_done", // 7 commit: R reusable
      `30.0 88 chunk_alloc ${Y} creation`, // 8 C chunk_alloc(Y) over R
      `31.0 88 bg_create ${Y} creation`, // 9 C bg_create(Y)
      `33.0 89 eb_write ${Y}`, // 10 W writes in Y
      `34.0 700 discard_end ${X} trim`, // 11 A discard_end: metadata overwritten
      `36.0 700 trim_bg_end ${X} trim`,
    ]);
    expect(events[3]!.data).toEqual({ bytenr: X, len: 1048576n, devid: 1, physical: 1125122048n });
    expect(events[9]!.data).toEqual({
      bytenr: Y,
      len: 268435456n,
      type: 4 | 32,
      stripes: [
        { devid: 1, physical: 1125122048n },
        { devid: 1, physical: 1393557504n },
      ],
    });
    expect(events[10]!.data).toEqual({ bytenr: Y, len: 268435456n, flags: 36 });
    expect(events[8]!.data).toEqual({ gen: 12 });
    expect(report.unmapped).toEqual({});
  });

  test("5.3 bg-creation-vs-cache-writeout (function_graph, tasks from context switches)", () => {
    const { events } = parse(readFixture("races/bg-creation-vs-cache-writeout.trace"));
    const X = 1372585984n;
    expect(events.map(brief)).toEqual([
      `7.0 88 chunk_alloc ${X} creation`, // 1 A chunk_alloc(X)
      `8.0 88 bg_create ${X} creation`, // 2 A bg_create(X)
      `17.0 900 bg_alloc ${X}`, // 3 B bg_alloc(X)
      "18.0 900 commit_start", // 4 B commit_start
      "19.0 900 writeout_early", // 5 B writeout_early
      `21.0 900 write_cache_group ${X}`, // 6 B write_cache_group(X): ENOENT, abort
      "22.0 900 trans_abort",
      "23.0 900 writeout_end",
      "24.0 88 bg_items_insert", // 7 A bg_items_insert (too late)
    ]);
    expect(events[1]!.data).toEqual({ bytenr: X, len: 1073741824n, flags: 1 });
  });

  test("5.4 scrub-vs-bg-deletion (trace-cmd report)", () => {
    const { events } = parse(readFixture("races/scrub-vs-bg-deletion.trace"));
    const X = 2177892352n;
    expect(events.map(brief)).toEqual([
      `2.0 300 unused_bg_check ${X} deletion`, // 1 A check
      `3.0 300 set_ro ${X} deletion`, // 2 A set_ro
      `4.0 300 remove_chunk ${X} deletion`, // 3 A remove_chunk
      `5.0 300 chunk_free ${X} deletion`,
      `7.0 800 scrub_dev_extent ${X} scrub`, // 4 S scrub_dev_extent
      `8.0 800 set_ro ${X} scrub`, // 5 S set_ro
      `9.0 300 remove_block_group ${X} deletion`, // 6 A remove_block_group
      `11.0 800 scrub_chunk ${X} scrub`, // 7 S scrub_chunk: no map, -EINVAL
      `12.0 800 clear_ro ${X} scrub`,
    ]);
  });
});
