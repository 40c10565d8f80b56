/**
 * The compiled CLI (issue 12): bin/racelab.js runs dist/cli, and what needs
 * no database loads none of it. Each command here runs as a child process
 * with a database URL nothing listens on and with test/fixtures/light-cli.mjs
 * preloaded, which makes loading pg, Prisma, PGlite or tsx fail: a command
 * that touched the database (or compiled TypeScript) could not answer.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { COMMANDS } from "../src/cli/commands/index.ts";
import { racelab, ROOT } from "./helpers/cli.ts";

const LIGHT = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere",
  TEST_DATABASE_URL: "",
  NODE_OPTIONS: `--import=${pathToFileURL(path.join(ROOT, "test/fixtures/light-cli.mjs")).href}`,
};
const light = (args: string[]) => racelab(args, { env: LIGHT });

test("the light-cli hook does refuse a database module (what the tests below rely on)", async () => {
  const r = await light(["traces"]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/heavy module loaded: (pg|@prisma\/[^\s]+)/);
});

test("--version: the package's version, no database", async () => {
  const version = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  expect(await light(["--version"])).toEqual({ code: 0, stdout: `racelab ${version}\n`, stderr: "" });
});

test("--help lists every command without loading the database", async () => {
  const r = await light(["--help"]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name} `);
  expect(r.stdout).not.toContain("(unavailable");
});

/** A flag no command has, after the words that name the command (and a subcommand where one is needed). */
const BAD_FLAG: [string, string[]][] = COMMANDS.map((c) => {
  const words = c.name.split(" ");
  const sub = c.name === "exercise" ? ["list"] : c.name === "user" ? ["list"] : [];
  return [[...words, ...sub].join(" "), [...words, ...sub, "--no-such-flag"]];
});

test.each(BAD_FLAG)("%s: a bad flag is refused before the database opens (exit 2, one line)", async (prefix, argv) => {
  const r = await light(argv);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(new RegExp(`^racelab: ${prefix}: Unknown option '--no-such-flag'[^\\n]*\\n$`));
});

test("bad values are refused before the database opens too", async () => {
  expect(await light(["check", "some-trace", "--rules", "patched", "--rules", "no-such-fix"])).toEqual({
    code: 2,
    stdout: "",
    stderr:
      'racelab: check: --rules: unknown fix "no-such-fix" in rule set (known: unpatched, patched, delete-unused-bgs-mutex, pin-chunks-during-trim, retry-enoent-cache-writeout, scrub-skip-removed-chunk)\n',
  });
  expect(await light(["state", "some-trace", "--at", "ten"])).toMatchObject({ code: 2, stderr: 'racelab: --at: expected a sequence number (0, 1, 2, …), got "ten"\n' });
  expect(await light(["import", "a.trace", "b.trace", "--name", "both"])).toMatchObject({ code: 2, stderr: "racelab: import: --name names one trace, got 2 files\n" });
  expect(await light(["events", "some-trace", "--from", "5", "--to", "2"])).toMatchObject({ code: 2, stderr: "racelab: --to 2 is before --from 5\n" });
});

test("a good command line reaches the database, whose absence is exit 5 naming it", async () => {
  const r = await racelab(["check", "some-trace", "--rules", "patched"], { env: { DATABASE_URL: LIGHT.DATABASE_URL, TEST_DATABASE_URL: "" } });
  expect(r.code).toBe(5);
  expect(r.stderr).toMatch(/^racelab: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere: [^\n]+\n$/);
});
