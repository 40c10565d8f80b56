/** The DomainError a piece of code fails with: the test fails when it succeeds or fails otherwise. */
import { DomainError } from "../../src/errors.ts";

function domainError(err: unknown, code: string | undefined): DomainError {
  expect(err).toBeInstanceOf(DomainError);
  if (code !== undefined) expect((err as DomainError).code).toBe(code);
  return err as DomainError;
}

/** The DomainError `p` rejects with (with `code`, when given). */
export async function rejection(p: Promise<unknown>, code?: string): Promise<DomainError> {
  try {
    await p;
  } catch (err) {
    return domainError(err, code);
  }
  throw new Error(`expected a rejection${code ? ` with ${code}` : ""}`);
}

/** The DomainError `f` throws (with `code`, when given). */
export function thrown(f: () => unknown, code?: string): DomainError {
  try {
    f();
  } catch (err) {
    return domainError(err, code);
  }
  throw new Error(`expected a DomainError${code ? ` ${code}` : ""}`);
}
