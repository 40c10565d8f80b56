/** The JSON scalar: any JSON value; bigints (should one slip through) go out as decimal strings. */
import { GraphQLScalarType, valueFromASTUntyped } from "graphql";
import { bigintReplacer } from "../bigint-json.ts";

export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Any JSON value (event payloads in wire form, state values before/after a change).",
  serialize: (value) => (value === undefined ? null : JSON.parse(JSON.stringify(value, bigintReplacer))),
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
