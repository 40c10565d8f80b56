/**
 * Bearer tokens: 32 random bytes, shown once as `rl_<base64url>`; only their
 * sha256 (hex) is stored. A leaked database therefore leaks no usable token,
 * and lookups by hash need no constant-time comparison of secrets.
 */
import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../errors.ts";

const PREFIX = "rl_";
const TOKEN_RE = /^rl_[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return PREFIX + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

/**
 * The token of an `Authorization` header value: null when there is no header
 * (anonymous); UNAUTHENTICATED when there is one that is not `Bearer <token>`.
 */
export function bearerToken(header: string | null | undefined): string | null {
  if (header === undefined || header === null || header.trim() === "") return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new DomainError("UNAUTHENTICATED", "Authorization: expected \"Bearer <token>\"");
  return m[1]!;
}
