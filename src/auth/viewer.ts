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

/**
 * The viewer of a request from its `Authorization` header value: no header →
 * anonymous; `Bearer <token>` of a known user → that user; anything else →
 * DomainError UNAUTHENTICATED (a wrong token is an error, not anonymity, so a
 * client never mistakes a typo for "no exercises of mine").
 */
export async function viewerFromToken(db: ViewerDb, authorization: string | null | undefined): Promise<Viewer> {
  const token = bearerToken(authorization);
  if (token === null) return ANONYMOUS;
  if (!isWellFormedToken(token)) throw new DomainError("UNAUTHENTICATED", "unknown or malformed bearer token");
  const user = await db.prisma.user.findUnique({ where: { tokenHash: hashToken(token) }, include: { course: true } });
  if (!user || !isUserRole(user.role)) throw new DomainError("UNAUTHENTICATED", "unknown or malformed bearer token");
  return { kind: "user", id: user.id, name: user.name, role: user.role, courseId: user.courseId, courseName: user.course.name };
}
