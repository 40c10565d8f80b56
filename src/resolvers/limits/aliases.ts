/**
 * Alias limit: aliases let one request ask for the same dear field many times
 * (40 aliased `explore`s); each aliased field counts, fragments expanded.
 */
import { DomainError } from "../../errors.ts";
import type { OperationMeasure } from "./measure.ts";

export function checkAliases(m: OperationMeasure, maxAliases: number): DomainError | null {
  return m.aliases > maxAliases ? new DomainError("QUERY_TOO_COMPLEX", `query has ${m.aliases} aliases, more than the limit of ${maxAliases}`) : null;
}
