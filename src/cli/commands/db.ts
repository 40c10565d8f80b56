/** `racelab db migrate [--json]`: applies pending migrations (racelab also does it on every start). */
import { parseCommandArgs, write, type CommandContext, type OptionSpecs } from "../command.ts";

export const name = "db migrate";
export const summary = "apply pending database migrations (prisma/migrations), as prisma migrate deploy would";
export const usage = "racelab db migrate [--json]";
export const needsStore = false;
export const options: OptionSpecs = {
  json: { type: "boolean", description: 'print {"applied":[name],"skipped":[name],"database":{"kind","location"}}' },
};

export const parse = (argv: readonly string[]) => parseCommandArgs(name, argv, options);

export async function run(argv: readonly string[], ctx: Omit<CommandContext, "store">): Promise<number> {
  const { values } = parse(argv);
  const [{ openDatabase }, { migrate }] = await Promise.all([import("../../db/connection.ts"), import("../../db/migrate.ts")]);
  const db = await openDatabase({ migrate: false });
  try {
    const result = await migrate(db.pool);
    if (values.json) {
      await write(ctx.stdout, `${JSON.stringify({ ...result, database: { kind: db.kind, location: db.location } })}\n`);
    } else {
      const where = db.kind === "embedded" ? `embedded database in ${db.location}` : `PostgreSQL at ${db.location}`;
      for (const m of result.applied) await write(ctx.stdout, `applied ${m}\n`);
      await write(
        ctx.stdout,
        result.applied.length > 0
          ? `${where}: ${result.applied.length} migration(s) applied, ${result.skipped.length} already applied\n`
          : `${where}: up to date (${result.skipped.length} migration(s) applied)\n`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}
