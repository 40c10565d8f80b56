/** Directive limit: thousands of `@include(if: true)` on one field are work for nothing. */
import { DomainError } from "../../errors.ts";
import type { OperationMeasure } from "./measure.ts";

export function checkDirectives(m: OperationMeasure, maxDirectives: number): DomainError | null {
  return m.directives > maxDirectives
    ? new DomainError("QUERY_TOO_COMPLEX", `query uses ${m.directives} directives, more than the limit of ${maxDirectives}`)
    : null;
}
