/**
 * The spool: where a server or worker keeps temporary files — uploads being
 * received, text imported over GraphQL, events spilled by a long import —
 * under the data folder (`<dataDir>/spool`), one folder per process
 * (`<pid>-<random>`). Every path that makes a file removes it when done or
 * failed; what a killed process left (SIGKILL skips every `finally`) is
 * swept when the next `racelab serve` or `racelab worker` starts: the
 * folders of processes that are gone.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { defaultDataDir } from "./db/data-dir.ts";

const FOLDER = /^(\d+)-[0-9a-f]{8}$/;
const mine = new Map<string, string>();

export function spoolRoot(dataDir: string = defaultDataDir()): string {
  return path.join(path.resolve(dataDir), "spool");
}

/** This process's spool folder (made on first use, owner-only). */
export function processSpool(dataDir: string = defaultDataDir()): string {
  const root = spoolRoot(dataDir);
  let dir = mine.get(root);
  if (!dir) {
    dir = path.join(root, `${process.pid}-${randomBytes(4).toString("hex")}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    mine.set(root, dir);
  }
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the spool folders of processes that are gone; returns how many. */
export function sweepSpool(dataDir: string = defaultDataDir()): number {
  const root = spoolRoot(dataDir);
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return 0;
  }
  let swept = 0;
  for (const name of entries) {
    const m = FOLDER.exec(name);
    const full = path.join(root, name);
    if (m && (Number(m[1]) === process.pid ? mine.get(root) === full : alive(Number(m[1])))) continue;
    fs.rmSync(full, { recursive: true, force: true });
    swept++;
  }
  return swept;
}
