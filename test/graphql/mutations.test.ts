/**
 * Every mutation (and the upload endpoint) over HTTP against a running server
 * and real PostgreSQL: imports, appends with optimistic concurrency, forks,
 * deletes. Each failing write is checked to have written nothing.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { FIXTURES, onlyError, rigForFile, seedTrace, startRig } from "./helpers.ts";

const BALANCE_LOG = readFileSync(path.join(FIXTURES, "balance-race.trace"), "utf8");

const rig = rigForFile();

async function traceCount(): Promise<number> {
  return (await rig.db.store.listTraces()).length;
}

const IMPORT = `mutation($name: String, $text: String!, $format: String, $skipInvalid: Boolean) {
  importTrace(name: $name, text: $text, format: $format, skipInvalid: $skipInvalid) {
    trace { id name version format } format events lines skipped unmapped { name count } gaps warnings { name count } unbound linesByName { name events context noise } duplicate } }`;

describe("importTrace", () => {
  test("imports an ftrace log given as text and reports what it made of it", async () => {
    const res = await rig.gql(IMPORT, { name: "balance-log", text: BALANCE_LOG });
    expect(res.errors).toBeUndefined();
    const r = res.data.importTrace;
    expect(r).toMatchObject({
      format: "ftrace-function",
      events: 11,
      lines: 19,
      skipped: [],
      unmapped: [{ name: "btrfs_sync_fs", count: 1 }],
      gaps: [],
      unbound: 0,
      duplicate: false,
      trace: { name: "balance-log", version: 11, format: "ftrace-function" },
    });
    // Where its 19 lines went (by hand): 6 header lines (the tracer line decides the format), 11 lines of one
    // event each, the `bgr: args` annotation (binds the next line), btrfs_sync_fs (not in the table).
    const line = (name: string, events: number, context: number, noise: number) => ({ name, events, context, noise });
    expect(r.linesByName).toEqual([
      line("(header)", 0, 1, 5),
      line("btrfs_remove_chunk", 2, 0, 0),
      line("assfail", 1, 0, 0),
      line("bgr: args", 0, 1, 0),
      line("bgr: unused_bg_check", 1, 0, 0),
      line("btrfs_chunk_free", 1, 0, 0),
      line("btrfs_commit_transaction", 1, 0, 0),
      line("btrfs_relocate_block_group", 1, 0, 0),
      line("btrfs_relocate_chunk", 1, 0, 0),
      line("btrfs_remove_block_group", 1, 0, 0),
      line("btrfs_set_block_group_ro", 1, 0, 0),
      line("btrfs_sync_fs", 0, 0, 1),
      line("set_block_group_ro", 1, 0, 0),
    ]);
    // The stored trace replays like any other: the assertion at its line.
    const check = await rig.gql(`query($t: ID!) { check(trace: $t, rules: ["unpatched"]) { verdict findings { effect line seq } } }`, { t: r.trace.id });
    expect(check.data.check).toEqual({ verdict: "BUG", findings: [{ effect: "assertion_failure", line: 16, seq: 9 }] });
  });

  test("the same content again is detected and not stored twice", async () => {
    const text = BALANCE_LOG.replaceAll("4242", "5151");
    const before = await traceCount();
    const first = await rig.gql(IMPORT, { text });
    expect(first.data.importTrace.duplicate).toBe(false);
    const again = await rig.gql(IMPORT, { text });
    expect(again.errors).toBeUndefined();
    expect(again.data.importTrace).toMatchObject({ duplicate: true, events: 11, trace: { id: first.data.importTrace.trace.id } });
    expect(await traceCount()).toBe(before + 1);
  });

  test("a malformed line stops the import naming the line, and nothing is stored; skipInvalid skips it", async () => {
    const broken = BALANCE_LOG.replace(
      "           btrfs-4242  [000] ....   200.000300: btrfs_set_block_group_ro <-btrfs_relocate_block_group",
      "           btrfs-4242  [000] ....   garbage here",
    );
    const before = await traceCount();
    const e = onlyError(await rig.gql(IMPORT, { name: "broken", text: broken }));
    expect(e.extensions?.code).toBe("INVALID_TRACE");
    expect(e.message).toMatch(/:11: /);
    expect(await traceCount()).toBe(before);

    const skipped = await rig.gql(IMPORT, { name: "broken-skipped", text: broken, skipInvalid: true });
    expect(skipped.errors).toBeUndefined();
    expect(skipped.data.importTrace.skipped).toEqual([11]);
    expect(skipped.data.importTrace.events).toBe(10);
  });

  test("an unknown format is refused naming the argument", async () => {
    const e = onlyError(await rig.gql(IMPORT, { text: BALANCE_LOG, format: "perf" }));
    expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "format" });
  });
});

describe("POST /upload", () => {
  test("a raw body is imported (streamed to disk first)", async () => {
    const res = await fetch(`${rig.url}/upload?name=uploaded-raw`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: BALANCE_LOG.replace("4242", "4343"), // other content, not a duplicate
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as any;
    expect(report).toMatchObject({
      trace: { name: "uploaded-raw", version: 11 },
      format: "ftrace-function",
      events: 11,
      lines: 19,
      skipped: [],
      unmapped: { btrfs_sync_fs: 1 },
      gaps: [],
      duplicate: false,
    });
    const stored = await rig.db.store.read(report.trace.id, { from: 11, to: 11 });
    expect(stored[0]?.type).toBe("commit_start");
  });

  test("multipart/form-data: the file part, named by its file name, with form fields", async () => {
    const form = new FormData();
    form.set("skipInvalid", "true");
    form.set("file", new Blob([BALANCE_LOG.replace("4242", "4444") + "not a trace line\n"]), "my-balance.trace");
    const res = await fetch(`${rig.url}/upload`, { method: "POST", body: form, headers: { "x-racelab-upload": "1" } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as any;
    expect(report.trace.name).toBe("my-balance.trace");
    expect(report.skipped).toEqual([20]);
  });

  test("an upload past the size cap is refused with PAYLOAD_TOO_LARGE and nothing is stored", async () => {
    const small = await startRig({ limits: { maxUploadBytes: 1024 } }, rig.db);
    try {
      const before = await traceCount();
      for (const chunked of [false, true]) {
        // With and without a Content-Length: the cap holds while streaming too.
        const body = chunked
          ? new ReadableStream({
              start(c) {
                c.enqueue(new TextEncoder().encode(BALANCE_LOG));
                c.close();
              },
            })
          : BALANCE_LOG;
        const res = await fetch(`${small.url}/upload?name=too-big`, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body,
          ...(chunked ? { duplex: "half" } : {}),
        } as RequestInit);
        expect(res.status).toBe(413);
        expect(((await res.json()) as any).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
      }
      expect(await traceCount()).toBe(before);
    } finally {
      await small.close();
    }
  });

  test("a simple cross-site-style POST (text/plain, no header) is refused", async () => {
    const res = await fetch(`${rig.url}/upload`, { method: "POST", headers: { "content-type": "text/plain" }, body: BALANCE_LOG });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
  });
});

const APPEND = `mutation($t: ID!, $v: Int!, $events: [EventInput!]!) {
  appendEvents(trace: $t, expectedVersion: $v, events: $events) { version appended trace { id version } } }`;

describe("appendEvents", () => {
  const setRo = (bytenr: string, pid = 900) => ({ type: "set_ro", data: { bytenr }, origin: { pid, comm: "btrfs" } });

  test("appends after the expected version and returns the new one", async () => {
    const t = await rig.db.store.createTrace({ name: "appendable", source: { file: null, hash: null, format: "api" } });
    const res = await rig.gql(APPEND, {
      t: t.id,
      v: 0,
      events: [setRo("0x1000000"), { type: "commit_done", data: { gen: 7 }, origin: { pid: 901, ts: "9223372036854775807" } }],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.appendEvents).toEqual({ version: 2, appended: 2, trace: { id: t.id, version: 2 } });
    const stored = await rig.db.store.read(t.id);
    expect(stored.map((e) => [e.seq, e.type])).toEqual([
      [1, "set_ro"],
      [2, "commit_done"],
    ]);
    expect(stored[0]!.data).toEqual({ bytenr: 0x1000000n, flag: false });
    expect(stored[1]!.origin.ts).toBe((1n << 63n) - 1n);
  });

  test("a stale expected version is a CONFLICT naming expectedVersion, and nothing is written", async () => {
    const t = await rig.db.store.createTrace({ name: "contended", source: { file: null, hash: null, format: "api" } });
    expect((await rig.gql(APPEND, { t: t.id, v: 0, events: [setRo("4096")] })).data.appendEvents.version).toBe(1);
    const stale = await rig.gql(APPEND, { t: t.id, v: 0, events: [setRo("8192"), setRo("12288")] });
    const e = onlyError(stale);
    expect(e.extensions).toMatchObject({ code: "CONFLICT", field: "expectedVersion" });
    expect(e.message).toMatch(/expected version 0, stream is at 1/);
    expect(stale.data).toBeNull();
    const stored = await rig.db.store.read(t.id);
    expect(stored.map((x) => x.data)).toEqual([{ bytenr: 4096n, flag: false }]);
    expect((await rig.db.store.getTrace(t.id))!.version).toBe(1);
  });

  test("a bad field is BAD_USER_INPUT naming events[i].field, and no event of the batch is written", async () => {
    const t = await rig.db.store.createTrace({ name: "validated", source: { file: null, hash: null, format: "api" } });
    const bad = onlyError(await rig.gql(APPEND, { t: t.id, v: 0, events: [setRo("4096"), setRo("-5")] }));
    expect(bad.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "events[1].data.bytenr" });
    expect(bad.message).toMatch(/^events\[1\]\.data\.bytenr: /);
    const unknown = onlyError(await rig.gql(APPEND, { t: t.id, v: 0, events: [{ type: "set_rw", origin: { pid: 1 } }] }));
    expect(unknown.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "events[0].type" });
    const extra = onlyError(await rig.gql(APPEND, { t: t.id, v: 0, events: [{ type: "commit_start", data: { gen: 1 }, origin: { pid: 1 } }] }));
    expect(extra.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "events[0].data" });
    expect(extra.message).toMatch(/unknown field gen/);
    expect(await rig.db.store.read(t.id)).toEqual([]);
    expect((await rig.db.store.getTrace(t.id))!.version).toBe(0);
  });
});

describe("forkTrace and deleteTrace", () => {
  const FORK = `mutation($t: ID!, $at: Int!, $name: String!) { forkTrace(trace: $t, atSeq: $at, name: $name) {
    id name version format forkedFrom { traceId atSeq trace { name version } } } }`;

  test("a fork holds the prefix, grows on its own, and outlives its origin", async () => {
    const origin = await seedTrace(rig.db.store, "balance-vs-unused-bg-deletion", "fork-origin");
    const res = await rig.gql(FORK, { t: "fork-origin", at: 5, name: "what-if" });
    expect(res.errors).toBeUndefined();
    const fork = res.data.forkTrace;
    expect(fork).toMatchObject({ name: "what-if", version: 5, format: "scenario", forkedFrom: { traceId: origin.id, atSeq: 5, trace: { name: "fork-origin", version: 8 } } });
    const strip = (e: { type: string; data: unknown; origin: unknown; chain: unknown }) => ({ type: e.type, data: e.data, origin: e.origin, chain: e.chain });
    expect((await rig.db.store.read(fork.id)).map(strip)).toEqual((await rig.db.store.read(origin.id, { to: 5 })).map(strip));

    // What if the cleaner had not removed the chunk: balance's remove_chunk then succeeds.
    const appended = await rig.gql(APPEND, {
      t: fork.id,
      v: 5,
      events: [{ type: "remove_chunk", data: { bytenr: String(0xa69c00000) }, origin: { pid: 17451, comm: "btrfs" } }],
    });
    expect(appended.data.appendEvents.version).toBe(6);
    expect((await rig.db.store.getTrace(origin.id))!.version).toBe(8);
    const verdict = await rig.gql(`query($t: ID!) { check(trace: $t, rules: ["unpatched"]) { verdict } }`, { t: fork.id });
    expect(verdict.data.check.verdict).toBe("CLEAN");

    expect((await rig.gql(`mutation($t: ID!) { deleteTrace(trace: $t) }`, { t: origin.id })).data.deleteTrace).toBe(origin.id);
    const after = await rig.gql(`query($t: ID!) { trace(id: $t) { version forkedFrom { traceId trace { id } } } }`, { t: fork.id });
    expect(after.data.trace).toEqual({ version: 6, forkedFrom: { traceId: origin.id, trace: null } });
  });

  test("atSeq outside the trace is refused naming it; nothing is created", async () => {
    await seedTrace(rig.db.store, "scrub-vs-bg-deletion", "fork-bounds");
    const before = await traceCount();
    const e = onlyError(await rig.gql(FORK, { t: "fork-bounds", at: 99, name: "nope" }));
    expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "atSeq" });
    expect(await traceCount()).toBe(before);
    const empty = await rig.gql(FORK, { t: "fork-bounds", at: 0, name: "empty-fork" });
    expect(empty.data.forkTrace.version).toBe(0);
  });

  test("deleteTrace removes the trace and its events; a second delete is NOT_FOUND", async () => {
    const t = await seedTrace(rig.db.store, "trim-vs-bg-removal", "to-delete");
    // Snapshots exist once it has been replayed.
    await rig.gql(`query($t: ID!) { stateAt(trace: $t, seq: 3) { seq } }`, { t: t.id });
    const snapshots = () => rig.db.db.pool.query("SELECT count(*)::int AS n FROM snapshots WHERE trace_id = $1", [t.id]);
    expect((await snapshots()).rows[0].n).toBeGreaterThan(0);
    const res = await rig.gql(`mutation { deleteTrace(trace: "to-delete") }`);
    expect(res.data.deleteTrace).toBe(t.id);
    expect(await rig.db.store.getTrace(t.id)).toBeNull();
    expect(await rig.db.store.read(t.id)).toEqual([]);
    expect((await snapshots()).rows[0].n).toBe(0);
    const again = onlyError(await rig.gql(`mutation($t: ID!) { deleteTrace(trace: $t) }`, { t: t.id }));
    expect(again.extensions).toMatchObject({ code: "NOT_FOUND", field: "trace" });
  });
});
