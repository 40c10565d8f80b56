/** The data folder: the embedded database, its password, and the spool of temporary files (`RACELAB_DATA_DIR`, else `./.racelab`). */
import path from "node:path";

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.RACELAB_DATA_DIR || ".racelab");
}
