/**
 * Reads the mapping table files: the default `seeds/ftrace-map.json`, then
 * the files of `RACELAB_FTRACE_MAP` (path-list, `:`-separated), then the
 * caller's extra files; later entries replace earlier ones by name.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DomainError } from "../errors.ts";
import { compileMapTable, MapTableError, type MapTable } from "./map-table.ts";

export const DEFAULT_MAP_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../seeds/ftrace-map.json");

/** Extra map files named by `RACELAB_FTRACE_MAP`. */
export function envMapFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env.RACELAB_FTRACE_MAP;
  return v ? v.split(path.delimiter).filter((p) => p !== "") : [];
}

const cache = new Map<string, MapTable>();

/** The default table plus `RACELAB_FTRACE_MAP` files plus `extra`. Throws DomainError BAD_USER_INPUT naming the file. */
export function loadMapTable(extra: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): MapTable {
  const files = [DEFAULT_MAP_FILE, ...envMapFiles(env), ...extra];
  const key = files.join("\0");
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new DomainError("BAD_USER_INPUT", `${file}: cannot read mapping table: ${(err as Error).message}`, { cause: err });
    }
    try {
      return { source: file, json: JSON.parse(text) as unknown };
    } catch (err) {
      throw new DomainError("BAD_USER_INPUT", `${file}: not JSON: ${(err as Error).message}`, { cause: err });
    }
  });
  try {
    const table = compileMapTable(parsed);
    cache.set(key, table);
    return table;
  } catch (err) {
    if (err instanceof MapTableError) throw new DomainError("BAD_USER_INPUT", err.message, { cause: err });
    throw err;
  }
}
