/**
 * What a whole test file shares — a database, a server, a directory —
 * opened before its first test and closed after its last (called inside a
 * `describe`: before and after that block's tests).
 *
 *   const t = forFile(freshDatabase, (t) => t.drop());
 *   test("…", async () => { await t.store.listTraces(); });
 *
 * The value returned stands in for the opened one: read it inside tests and
 * hooks, not at the top level of the file (nothing is open there yet).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Opening may copy or create a database cluster: slow on a busy machine. */
const OPEN_MS = 180_000;
const CLOSE_MS = 60_000;

export function forFile<T extends object>(open: () => Promise<T>, close: (value: T) => Promise<void>): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await open();
  }, OPEN_MS);
  afterAll(async () => {
    if (value !== undefined) await close(value);
  }, CLOSE_MS);
  return new Proxy({} as T, {
    get(_target, prop) {
      if (value === undefined) throw new Error(`forFile: .${String(prop)} read before the file's beforeAll opened it`);
      const v: unknown = Reflect.get(value, prop, value);
      return typeof v === "function" ? v.bind(value) : v;
    },
  });
}

/** A fresh temporary directory `<tmp>/<prefix>…` for the file, removed after its last test. */
export function tempDirForFile(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` as `name` in `dir`; returns the file's path. */
export function writeIn(dir: string, name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}
