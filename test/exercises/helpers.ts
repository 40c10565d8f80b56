/**
 * Test rig for the classroom: a fresh database (test/helpers/db.ts), the
 * classroom service over it, and the API schema built as the server builds it
 * (schema.graphql with its modules, the classroom's among them), executed with
 * graphql-js: the context comes from `createRequestContext` with the request's
 * Authorization header, errors are formatted by the API's own formatError.
 *
 *   const rig = await classroomRig();
 *   const { token } = await rig.user("student", "os-2026");
 *   const res = await rig.gql(`{ exercises { id } }`, {}, token);
 */
import { graphql, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { addUser, type AddedUser } from "../../src/exercises/accounts.ts";
import { PgClassroomStore } from "../../src/exercises/pg-classroom.ts";
import { createClassroom, type ClassroomService } from "../../src/exercises/service.ts";
import { createRequestContext, DEFAULT_LIMITS, type ApiDeps } from "../../src/resolvers/context.ts";
import { createApiDeps, EXPLORE_MODULE } from "../../src/resolvers/deps.ts";
import { domainCause, formatError } from "../../src/resolvers/errors.ts";
import { classroomModule } from "../../src/resolvers/exercises.ts";
import { buildApiSchema } from "../../src/resolvers/index.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";

/**
 * An instructor's spot-the-race definition on the scrub race with its trace
 * inline (block group 0x99000000; the state first goes wrong at seq 7).
 * `note`, a comment, is line 1; the key's seq is `seq`, at line 22.
 */
export function scrubSpotDefinition(d: { readonly note: string; readonly id: string; readonly title: string; readonly seq: number }): string {
  return `# ${d.note}
id: ${d.id}
kind: spot-the-race
race: scrub-vs-bg-deletion
title: ${d.title}
statement: Name the race and the seq where the state first goes wrong.
hints: [Look at scrub_chunk., Which map is gone?]
trace:
  inline: |
    let X = 0x99000000
    actor A pid=31 comm=btrfs-cleaner role=cleaner
    actor S pid=32 comm=btrfs role=scrub
    A unused_bg_check bytenr=X outcome=proceed
    A set_ro bytenr=X
    A remove_chunk bytenr=X
    S scrub_dev_extent bytenr=X devid=1 physical=0x1000000
    S set_ro bytenr=X
    A remove_block_group bytenr=X
    S scrub_chunk bytenr=X
key:
  race: scrub-vs-bg-deletion
  seq: ${d.seq}
`;
}

export interface GqlResult<T = any> {
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

export interface ClassroomRig {
  readonly t: TestDatabase;
  readonly store: PgClassroomStore;
  readonly classroom: ClassroomService;
  readonly schema: GraphQLSchema;
  readonly deps: ApiDeps;
  user(role: "instructor" | "student", course: string, name?: string): Promise<AddedUser>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export async function classroomRig(): Promise<ClassroomRig> {
  const t = await freshDatabase();
  const store = new PgClassroomStore(t.db);
  const classroom = createClassroom({ classroom: store, store: t.store });
  const deps: ApiDeps = createApiDeps(t.store, { modules: [EXPLORE_MODULE, classroomModule(t.db, t.store, { classroom })] });
  const schema = buildApiSchema(deps.modules);
  return {
    t,
    store,
    classroom,
    schema,
    deps,
    user: (role, course, name) => addUser(store, { role, course, name: name ?? null }),
    async gql(query, variables = {}, token = null) {
      let contextValue;
      try {
        contextValue = await createRequestContext(deps, DEFAULT_LIMITS, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
      } catch (err) {
        // As the server answers a context that cannot be made (a bad token): the error alone.
        const d = domainCause(err);
        return { data: null, errors: [{ message: d?.message ?? String(err), extensions: { code: d?.code ?? "INTERNAL_SERVER_ERROR" } }] };
      }
      const res = await graphql({ schema, source: query, variableValues: variables, contextValue });
      const errors = res.errors?.map((e) => formatError(e.toJSON(), e, { maskInternal: false, log: () => {} }));
      return { data: res.data as any, ...(errors ? { errors } : {}) };
    },
    close: () => t.drop(),
  };
}
