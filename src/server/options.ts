/**
 * What `buildServer` can be told, and the same read from the environment
 * (`racelab serve`): limits, introspection, the IDE, the static page.
 */
import { DomainError } from "../errors.ts";
import type { ApiLimits } from "../resolvers/context.ts";

export interface ServerOptions {
  readonly limits?: Partial<ApiLimits>;
  /** Schema introspection (default: on, off when NODE_ENV=production). */
  readonly introspection?: boolean;
  /** The GraphiQL IDE at GET /graphql (default: on, off when NODE_ENV=production). */
  readonly ide?: boolean;
  /** Folder of the built IDE (default: src/generated/ide, written by `npm run build`). */
  readonly ideDir?: string;
  /** Folder served at `/` (the web page of issue 8); none by default. */
  readonly staticDir?: string | null;
  /**
   * Hide what an unexpected failure says — stack, source path, SQL, the
   * database's own message — from clients (default: hidden; logged on the
   * server). `racelab serve --debug` shows them.
   */
  readonly maskInternalErrors?: boolean;
  /** Where unexpected errors are reported (default: stderr). */
  readonly log?: (message: string, error?: unknown) => void;
  /** Longest wait for in-flight requests on stop (ms, default 10 s). */
  readonly stopGraceMs?: number;
}

const isProduction = (env: NodeJS.ProcessEnv) => env.NODE_ENV === "production";

export function envFlag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new DomainError("BAD_USER_INPUT", `${name}: expected true or false, got ${JSON.stringify(v)}`);
}

export function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new DomainError("BAD_USER_INPUT", `${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Server options from the environment (for production: `NODE_ENV=production`
 * turns introspection and the IDE off unless set):
 * RACELAB_INTROSPECTION, RACELAB_IDE, RACELAB_STATIC_DIR, RACELAB_MAX_DEPTH,
 * RACELAB_MAX_COST, RACELAB_MAX_ALIASES, RACELAB_MAX_DIRECTIVES, RACELAB_MAX_FIELDS, RACELAB_MAX_TOKENS,
 * RACELAB_MAX_PAGE_SIZE, RACELAB_MAX_BODY_BYTES, RACELAB_MAX_UPLOAD_BYTES.
 */
export function serverOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const prod = isProduction(env);
  const limits: Partial<Record<keyof ApiLimits, number>> = {};
  const set = (key: keyof ApiLimits, name: string) => {
    const n = envInt(env, name);
    if (n !== undefined) limits[key] = n;
  };
  set("maxDepth", "RACELAB_MAX_DEPTH");
  set("maxCost", "RACELAB_MAX_COST");
  set("maxAliases", "RACELAB_MAX_ALIASES");
  set("maxDirectives", "RACELAB_MAX_DIRECTIVES");
  set("maxFields", "RACELAB_MAX_FIELDS");
  set("maxTokens", "RACELAB_MAX_TOKENS");
  set("maxPageSize", "RACELAB_MAX_PAGE_SIZE");
  set("maxBodyBytes", "RACELAB_MAX_BODY_BYTES");
  set("maxUploadBytes", "RACELAB_MAX_UPLOAD_BYTES");
  return {
    limits,
    introspection: envFlag(env, "RACELAB_INTROSPECTION", !prod),
    ide: envFlag(env, "RACELAB_IDE", !prod),
    staticDir: env.RACELAB_STATIC_DIR || null,
    maskInternalErrors: true,
  };
}
