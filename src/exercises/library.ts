/**
 * The shared library of exercises: every file of seeds/exercises/ (YAML or
 * JSON), loaded and key-checked once per process. A file whose key the replay
 * contradicts fails the whole load with `file:line: field: problem`, like any
 * other malformed input.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../errors.ts";
import { SEEDS_DIR } from "../scenario/load.ts";
import { definitionError } from "./definition.ts";
import type { LoadedExercise } from "./types.ts";
import { loadDefinition, type LoadOptions } from "./verify.ts";

export const EXERCISES_DIR = path.join(SEEDS_DIR, "exercises");
const EXTENSIONS = [".yaml", ".yml", ".json"];

export interface Library {
  readonly dir: string;
  /** In file-name order. */
  readonly exercises: readonly LoadedExercise[];
  get(id: string): LoadedExercise | undefined;
}

export function exerciseFiles(dir: string = EXERCISES_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new DomainError("NOT_FOUND", `${dir}: cannot read the exercise folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return names
    .filter((f) => EXTENSIONS.includes(path.extname(f)))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Loads one exercise file (relative names in messages are as given). */
export async function loadExerciseFile(file: string, opts: LoadOptions = {}): Promise<LoadedExercise> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DomainError("NOT_FOUND", `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const { parsed, exercise } = await loadDefinition(text, file, opts);
  const base = path.basename(file, path.extname(file));
  if (parsed.def.id !== base) throw definitionError(file, parsed.locate(["id"]), "id", `must match the file name: ${JSON.stringify(base)}`);
  return exercise;
}

/** Loads every exercise of `dir`; ids must be unique. */
export async function loadLibrary(dir: string = EXERCISES_DIR, opts: Omit<LoadOptions, "ref" | "origin" | "courseId"> = {}): Promise<Library> {
  const exercises: LoadedExercise[] = [];
  const byId = new Map<string, LoadedExercise>();
  for (const file of exerciseFiles(dir)) {
    const ex = await loadExerciseFile(file, opts);
    const other = byId.get(ex.ref);
    if (other) throw new DomainError("BAD_USER_INPUT", `${file}:1: id: ${ex.ref} is used by ${other.origin} too`);
    byId.set(ex.ref, ex);
    exercises.push(ex);
  }
  return { dir, exercises, get: (id) => byId.get(id) };
}

const cache = new Map<string, Promise<Library>>();

/** The library of `dir`, loaded once per process (a failed load is retried next time). */
export function library(dir: string = EXERCISES_DIR): Promise<Library> {
  let p = cache.get(dir);
  if (!p) {
    p = loadLibrary(dir);
    cache.set(dir, p);
    p.catch(() => cache.delete(dir));
  }
  return p;
}
