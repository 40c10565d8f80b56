/**
 * One walk over an operation before it runs, measuring what the limits
 * compare: field depth, estimated cost, aliases, directives and fields named. Linear in
 * the document's size: each fragment is measured once and its measure reused
 * at every spread, so a document whose fragments each spread the next twice
 * (2^n fields in a few hundred bytes) is measured in n steps, and its cost
 * comes out at its true, huge value (refused, not evaluated).
 *
 * Cost: every object-valued field costs 1, leaves 0; a connection multiplies
 * the cost of its selection by its page size (`first`, or the default page
 * size); fields that replay or write a trace carry their weights (cost.ts),
 * counted with their selection once per combination of the list arguments
 * FIELD_COMBINATIONS names (`checks`: each trace under each rule set).
 * Aliases of a dear field count each: every field node is counted.
 */
import {
  Kind,
  getNamedType,
  isCompositeType,
  type DirectiveNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { FIELD_COMBINATIONS } from "./cost.ts";
import { intArgument, listLength, type OperationUnderCheck } from "./operation.ts";

export interface CostModel {
  readonly defaultPageSize: number;
  /** Weights of dear fields ("Type.field"), those of the API's modules included. */
  readonly weights: Readonly<Record<string, number>>;
}

export interface OperationMeasure {
  /** Deepest field nesting, fragments expanded (introspection included). */
  readonly depth: number;
  readonly cost: number;
  /** Aliased fields, fragments expanded (`__typename` aliases not counted). */
  readonly aliases: number;
  /** Directives used, fragments expanded. */
  readonly directives: number;
  /** Fields named, fragments expanded (pages not multiplied): what the document would be written out. */
  readonly fields: number;
}

const ZERO: OperationMeasure = { depth: 0, cost: 0, aliases: 0, directives: 0, fields: 0 };

const count = (d: readonly DirectiveNode[] | undefined) => d?.length ?? 0;

export function measureOperation(schema: GraphQLSchema, op: OperationUnderCheck, model: CostModel): OperationMeasure {
  const root = schema.getRootType(op.operation.operation);
  if (!root) return ZERO;
  const fragments = new Map<string, OperationMeasure>();
  const visiting = new Set<string>();

  const measureSet = (set: SelectionSetNode, parent: GraphQLCompositeType): OperationMeasure => {
    let depth = 0;
    let cost = 0;
    let aliases = 0;
    let directives = 0;
    let fields = 0;
    const add = (m: OperationMeasure, depthOffset: number, costFactor: number) => {
      depth = Math.max(depth, depthOffset + m.depth);
      cost += costFactor * m.cost;
      aliases += m.aliases;
      directives += m.directives;
      fields += m.fields;
    };
    for (const sel of set.selections) {
      directives += count(sel.directives);
      switch (sel.kind) {
        case Kind.FIELD: {
          const name = sel.name.value;
          fields++;
          if (sel.alias && name !== "__typename") aliases++;
          const field = "getFields" in parent && !name.startsWith("__") ? parent.getFields()[name] : undefined;
          const type = field ? getNamedType(field.type) : undefined;
          const below = type && isCompositeType(type) ? type : parent;
          const children = sel.selectionSet ? measureSet(sel.selectionSet, below) : ZERO;
          if (name.startsWith("__")) {
            // Introspection (and __typename): in-memory, bounded by the depth limit.
            cost += 1;
            add(children, 1, 0);
          } else if (!field) {
            add(children, 1, 0); // unknown field: validation has reported it
          } else {
            const times = (FIELD_COMBINATIONS[`${parent.name}.${name}`] ?? []).reduce(
              (n, arg) => n * Math.max(1, listLength(sel.arguments?.find((a) => a.name.value === arg)?.value, op.variables)),
              1,
            );
            cost += times * (model.weights[`${parent.name}.${name}`] ?? (isCompositeType(type!) ? 1 : 0));
            let multiplier = 1;
            if (type!.name.endsWith("Connection")) {
              const first = intArgument(sel.arguments?.find((a) => a.name.value === "first")?.value, op.variables);
              multiplier = Math.max(first ?? model.defaultPageSize, 0);
            }
            add(children, 1, times * multiplier);
          }
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
          add(measureSet(sel.selectionSet, cond && isCompositeType(cond) ? cond : parent), 0, 1);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = sel.name.value;
          let m = fragments.get(name);
          if (!m) {
            const fragment = op.fragments.get(name);
            // An unknown fragment or a cycle is a validation error already reported.
            if (!fragment || visiting.has(name)) break;
            visiting.add(name);
            const cond = schema.getType(fragment.typeCondition.name.value);
            const inner = measureSet(fragment.selectionSet, cond && isCompositeType(cond) ? cond : parent);
            visiting.delete(name);
            m = { ...inner, directives: inner.directives + count(fragment.directives) };
            fragments.set(name, m);
          }
          add(m, 0, 1);
          break;
        }
      }
    }
    return { depth, cost, aliases, directives, fields };
  };
  const m = measureSet(op.operation.selectionSet, root);
  return { ...m, directives: m.directives + count(op.operation.directives) };
}
