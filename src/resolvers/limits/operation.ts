/**
 * What the limit checks walk: the selected operation with its fragments
 * resolved, and argument values read from literals or variables.
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type ValueNode } from "graphql";

export interface OperationUnderCheck {
  readonly operation: OperationDefinitionNode;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** The operation to check, or null when the document has none by that name (execution will say so). */
export function operationUnderCheck(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): OperationUnderCheck | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return null;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return { operation, fragments, variables: variables ?? {} };
}

/** An integer argument's value (literal or variable), or null when absent or not an integer. */
export function intArgument(value: ValueNode | undefined, variables: Readonly<Record<string, unknown>>): number | null {
  if (!value) return null;
  if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === "number" && Number.isInteger(v) ? v : null;
  }
  return null;
}

/** The number of items of a list argument (literal or variable); a single value counts 1, an absent one 0. */
export function listLength(value: ValueNode | undefined, variables: Readonly<Record<string, unknown>>): number {
  if (!value) return 0;
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return Array.isArray(v) ? v.length : v == null ? 0 : 1;
  }
  return value.kind === Kind.NULL ? 0 : 1;
}
