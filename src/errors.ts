/**
 * racelab's one error type. Codes are a closed set; the CLI maps them to
 * one-line messages and exit codes, the resolvers to `extensions.code`.
 */
export const ERROR_CODES = [
  "BAD_USER_INPUT", // malformed event, scenario line, flag, rule set name
  "INVALID_TRACE", // an ftrace line that cannot be parsed (file:line)
  "NOT_FOUND",
  "CONFLICT", // expected-version mismatch on append
  "PAYLOAD_TOO_LARGE",
  "QUERY_TOO_COMPLEX",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BUDGET_EXCEEDED", // a job went over its wall time, heap or explored states
  "TOO_MANY_REQUESTS", // a viewer's queue of heavy jobs is full
  "DATABASE", // connection or migration failure
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DomainError";
  }
}

/** Exhaustiveness guard for switches over unions. */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`unreachable case: ${JSON.stringify(value)}`);
  }
}
