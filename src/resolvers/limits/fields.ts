/**
 * Field limit: the fields a document names once its fragments are written
 * out. A fragment that spreads the next one twice, 22 deep, names 4 million
 * fields in 1.6 KB; no page or tool of racelab's names more than a few hundred.
 */
import { DomainError } from "../../errors.ts";
import type { OperationMeasure } from "./measure.ts";

export function checkFields(m: OperationMeasure, maxFields: number): DomainError | null {
  return m.fields > maxFields
    ? new DomainError("QUERY_TOO_COMPLEX", `query names ${m.fields} fields once its fragments are expanded, more than the limit of ${maxFields}`)
    : null;
}
