/**
 * The one place where racelab's errors become GraphQL errors (STYLE.md 5):
 * a DomainError code becomes `extensions.code`, a bad input field
 * `extensions.field`; anything else is an internal error whose message is
 * masked in production and logged. Used by Apollo's `formatError`, by the
 * graphql-ws server and by the plain HTTP endpoints.
 */
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError, type ErrorCode } from "../errors.ts";
import { EventValidationError } from "../events/catalog.ts";

/** An error that names the argument or input field at fault, e.g. `events[2].data.bytenr` (BAD_USER_INPUT unless told). */
export class FieldError extends DomainError {
  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown; code?: ErrorCode },
  ) {
    super(options?.code ?? "BAD_USER_INPUT", `${field}: ${problem}`, options);
    this.name = "FieldError";
  }
}

/** HTTP status of an error that ends a request before execution (body cap, limits, upload). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  INVALID_TRACE: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUERY_TOO_COMPLEX: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BUDGET_EXCEEDED: 422,
  TOO_MANY_REQUESTS: 429,
  DATABASE: 503,
  INTERNAL: 500,
};

/** `extensions.code` for a DomainError code (Apollo's name for an internal error). */
export function clientCode(code: ErrorCode): string {
  return code === "INTERNAL" ? "INTERNAL_SERVER_ERROR" : code;
}

/** The DomainError (or catalog validation error) behind an error, through GraphQL wrappers and causes. */
export function domainCause(error: unknown): DomainError | null {
  let e: unknown = error;
  for (let depth = 0; e && depth < 10; depth++) {
    if (e instanceof DomainError) return e;
    if (e instanceof EventValidationError) return new FieldError(e.field, e.problem, { cause: e });
    const next: unknown = e instanceof GraphQLError ? (e.originalError ?? undefined) : e instanceof Error ? e.cause : undefined;
    e = next === e ? undefined : next;
  }
  return null;
}

function extensionsOf(err: DomainError): Record<string, unknown> {
  return err instanceof FieldError ? { code: clientCode(err.code), field: err.field } : { code: clientCode(err.code) };
}

/** A GraphQLError for an error raised before execution; `http` sets the response status. */
export function toGraphQLError(err: DomainError, http = false): GraphQLError {
  const extensions = extensionsOf(err);
  if (http) extensions.http = { status: HTTP_STATUS[err.code] };
  return new GraphQLError(err.message, { originalError: err, extensions });
}

export interface ErrorFormatting {
  /** Hide the message of unexpected errors (the default; `racelab serve --debug` shows them). */
  readonly maskInternal: boolean;
  readonly log: (message: string, error: unknown) => void;
}

/** What a client may see of an error: an internal or database failure is logged, and its message (paths, SQL, the database's words) masked unless asked. */
export function publicError(err: DomainError, options: ErrorFormatting): DomainError {
  if (err.code !== "INTERNAL" && err.code !== "DATABASE") return err;
  options.log(err.message, err);
  if (!options.maskInternal) return err;
  return new DomainError(err.code, err.code === "DATABASE" ? "the database is unavailable" : "internal error");
}

/** Apollo `formatError` (also applied to graphql-ws results): the mapping itself. */
export function formatError(formatted: GraphQLFormattedError, error: unknown, options: ErrorFormatting): GraphQLFormattedError {
  const cause = domainCause(error);
  if (cause) {
    const domain = publicError(cause, options);
    return { ...formatted, message: domain.message, extensions: { ...formatted.extensions, ...extensionsOf(domain) } };
  }
  const code = formatted.extensions?.code;
  const original = unwrapResolverError(error);
  // graphql-js and Apollo errors (parse, validation, coercion) already carry a code and a useful message.
  if (typeof code === "string" && code !== "INTERNAL_SERVER_ERROR") return formatted;
  options.log(`internal error: ${formatted.message}`, original);
  return {
    ...formatted,
    message: options.maskInternal ? "internal error" : formatted.message,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

/** A JSON error body for the plain HTTP endpoints, shaped like a GraphQL response. */
export function errorBody(err: DomainError): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message: err.message, extensions: extensionsOf(err) }] };
}
