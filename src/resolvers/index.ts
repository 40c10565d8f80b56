/**
 * The executable schema: the SDL of schema.graphql with the resolvers of this
 * folder. Built once per server; shared by Apollo (HTTP) and graphql-ws.
 */
import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { IResolvers } from "@graphql-tools/utils";
import type { GraphQLSchema } from "graphql";
import type { ApiModule } from "./context.ts";
import type { Resolvers } from "./generated.ts";
import { mutationResolvers } from "./mutation.ts";
import { queryResolvers } from "./query.ts";
import { JSONScalar } from "./scalars.ts";
import { subscriptionResolvers } from "./subscription.ts";
import { typeResolvers } from "./types.ts";

export const typeDefs = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");

export const resolvers: Resolvers = {
  JSON: JSONScalar,
  Query: queryResolvers,
  Mutation: mutationResolvers,
  Subscription: subscriptionResolvers,
  ...typeResolvers,
};

/** The core schema, extended by the modules (their SDL `extend type Query` etc., and their resolvers). */
export function buildApiSchema(modules: readonly ApiModule[] = []): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: [typeDefs, ...modules.map((m) => m.typeDefs)],
    resolvers: [resolvers, ...modules.map((m) => m.resolvers as IResolvers)],
    resolverValidationOptions: { requireResolversToMatchSchema: "error" },
  });
}
