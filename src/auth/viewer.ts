/**
 * Who is asking: anonymous, or a user (instructor or student of one course),
 * resolved from the bearer token of a request. The server puts the viewer in
 * the GraphQL context; every classroom resolver decides with it (`policy.ts`).
 */
import type { PrismaClient } from "../generated/prisma/client.ts";
import { DomainError } from "../errors.ts";
import { bearerToken, hashToken, isWellFormedToken } from "./tokens.ts";

export const USER_ROLES = ["instructor", "student"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export type Viewer =
  | { readonly kind: "anonymous" }
  | {
      readonly kind: "user";
      readonly id: string;
      readonly name: string;
      readonly role: UserRole;
      /** The course the user was added to. */
      readonly courseId: string;
      readonly courseName: string;
    };

export const ANONYMOUS: Viewer = Object.freeze({ kind: "anonymous" });

export function isUserRole(s: string): s is UserRole {
  return (USER_ROLES as readonly string[]).includes(s);
}

/** The part of the database `viewerFromToken` reads. */
export interface ViewerDb {
  readonly prisma: Pick<PrismaClient, "user">;
}

/** How often a token's `last_used_at` is written at most: a request is not a write. */
const LAST_USE_RESOLUTION_MS = 60_000;

/**
 * The viewer of a request from its `Authorization` header value: no header →
 * anonymous; `Bearer <token>` of a known user whose token is neither revoked
 * nor expired → that user; anything else → DomainError UNAUTHENTICATED (a
 * wrong token is an error, not anonymity, so a client never mistakes a typo
 * for "no exercises of mine"). Notes the token's use, at most once a minute.
 */
export async function viewerFromToken(db: ViewerDb, authorization: string | null | undefined, now: Date = new Date()): Promise<Viewer> {
  const token = bearerToken(authorization);
  if (token === null) return ANONYMOUS;
  if (!isWellFormedToken(token)) throw new DomainError("UNAUTHENTICATED", "unknown or malformed bearer token");
  const user = await db.prisma.user.findUnique({ where: { tokenHash: hashToken(token) }, include: { course: true } });
  if (!user || !isUserRole(user.role)) throw new DomainError("UNAUTHENTICATED", "unknown or malformed bearer token");
  if (user.revokedAt) throw new DomainError("UNAUTHENTICATED", "this bearer token was revoked; ask your instructor for a new one");
  if (user.expiresAt && user.expiresAt <= now) {
    throw new DomainError("UNAUTHENTICATED", `this bearer token expired on ${user.expiresAt.toISOString()}; ask your instructor for a new one`);
  }
  if (!user.lastUsedAt || now.getTime() - user.lastUsedAt.getTime() >= LAST_USE_RESOLUTION_MS) {
    // Not awaited: the request does not wait for bookkeeping, and a failure here refuses nobody.
    db.prisma.user.update({ where: { id: user.id }, data: { lastUsedAt: now } }).catch(() => {});
  }
  return { kind: "user", id: user.id, name: user.name, role: user.role, courseId: user.courseId, courseName: user.course.name };
}
