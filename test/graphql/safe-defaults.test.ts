/**
 * Safe by default (issue 11 item 6): no stack, source path, SQL or database
 * message in any answer unless the server runs with --debug; control
 * characters refused in new names and escaped in terminal output.
 */
import { racelab } from "../helpers/cli.ts";
import { freshDatabase } from "../helpers/db.ts";
import { onlyError, rigForFile, startRig } from "./helpers.ts";

const rig = rigForFile();

/** What must never reach a client: a stack frame, a source path, a Prisma or PostgreSQL message, SQL. */
const LEAK = /\.ts:\d+|\/src\/|prisma|invocation|SELECT|INSERT|invalid byte sequence|at [\w.<>]+ \(/i;

test("a NUL in a trace id is no such trace, and nothing of the database's answer leaks", async () => {
  const res = await rig.gql(`{ trace(id: "a\\u0000b") { id } }`);
  expect(res.errors).toBeUndefined();
  expect(res.data).toEqual({ trace: null });
  const check = onlyError(await rig.gql(`{ check(trace: "a\\u0000b", rules: ["unpatched"]) { verdict } }`));
  expect(check).toMatchObject({ message: 'trace: no trace "a\\u0000b"', extensions: { code: "NOT_FOUND" } }); // escaped, as JSON
});

test("an internal failure is masked by default, logged on the server; shown only when asked (--debug)", async () => {
  const db = await freshDatabase();
  const logged: string[] = [];
  const masked = await startRig({ log: (m) => logged.push(m) }, db);
  const shown = await startRig({ maskInternalErrors: false, log: () => {} }, db);
  try {
    await db.db.close(); // the database goes away under both servers
    const hidden = await masked.gql(`{ traces { totalCount } }`);
    expect(JSON.stringify(hidden)).not.toMatch(LEAK);
    expect(onlyError(hidden).message).toMatch(/^(internal error|the database is unavailable)$/);
    expect(logged.length).toBeGreaterThan(0);
    const debug = onlyError(await shown.gql(`{ traces { totalCount } }`));
    expect(debug.message).not.toMatch(/^(internal error|the database is unavailable)$/);
  } finally {
    await masked.close();
    await shown.close();
    await db.drop().catch(() => {});
  }
});

test("a new trace name with ESC or a newline is refused, naming the character", async () => {
  const e = onlyError(
    await rig.gql(`mutation($n: String!) { importTrace(name: $n, text: "# tracer: nop\\n") { events } }`, { n: "evil\u001b[2J\nforged line" }),
  );
  expect(e).toMatchObject({ message: "trace.name: contains the control character U+001B at position 5", extensions: { code: "BAD_USER_INPUT" } });
  expect((await rig.db.store.listTraces()).map((t) => t.name)).not.toContain("evil\u001b[2J\nforged line");
});

test("racelab traces escapes control characters of names already stored: one trace, one line", async () => {
  const t = await rig.db.store.createTrace({ name: "plain", source: { file: null, hash: null, format: "api" } });
  // A row written before names were checked.
  await rig.db.db.pool.query("UPDATE traces SET name = $1 WHERE id = $2", ["a\u001b[31mred\nfake 00000000-0000-0000-0000-000000000000", t.id]);
  const r = await racelab(["traces"], { env: rig.db.env });
  expect(r.code).toBe(0);
  const line = r.stdout.split("\n").find((l) => l.startsWith(t.id))!;
  expect(line).toContain("a\\u001b[31mred\\nfake 00000000-0000-0000-0000-000000000000");
  expect(r.stdout).not.toContain("\u001b");
  expect(r.stdout.split("\n").filter((l) => l.includes("fake 0000")).length).toBe(1);
});
