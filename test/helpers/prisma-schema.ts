/**
 * Reads prisma/schema.prisma (the subset racelab uses) into the tables,
 * columns, keys and indexes a database built from it must have, so a test
 * can check the migrations against it without Prisma's schema engine
 * (which cannot be installed offline).
 */
import fs from "node:fs";

export interface ExpectedColumn {
  readonly name: string;
  /** PostgreSQL type as `format_type` prints it. */
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

export interface ExpectedTable {
  readonly model: string;
  readonly name: string;
  readonly columns: ExpectedColumn[];
  readonly primaryKey: string[];
  /** name → columns (non-unique). */
  readonly indexes: Record<string, string[]>;
  /** name → columns. */
  readonly uniques: Record<string, string[]>;
  /** constraint name → {columns, table, references, onDelete}. */
  readonly foreignKeys: Record<string, { columns: string[]; table: string; references: string[]; onDelete: string }>;
}

const SCALARS: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Boolean: "boolean",
  Json: "jsonb",
  DateTime: "timestamp(3) without time zone",
  Decimal: "numeric(65,30)",
  Bytes: "bytea",
};

const NATIVE: Record<string, (arg: string) => string> = {
  Uuid: () => "uuid",
  Text: () => "text",
  Timestamptz: (a) => `timestamp(${a || "6"}) with time zone`,
  Timestamp: (a) => `timestamp(${a || "6"}) without time zone`,
  VarChar: (a) => (a ? `character varying(${a})` : "character varying"),
  Integer: () => "integer",
  BigInt: () => "bigint",
  JsonB: () => "jsonb",
  DoublePrecision: () => "double precision",
};

const ON_DELETE: Record<string, string> = { Cascade: "CASCADE", Restrict: "RESTRICT", SetNull: "SET NULL", NoAction: "NO ACTION" };

function fieldList(s: string): string[] {
  return s.split(",").map((x) => x.trim().replace(/\(.*\)$/, "")).filter(Boolean);
}

export function readPrismaSchema(file: string): ExpectedTable[] {
  const text = fs.readFileSync(file, "utf8").replace(/\/\/.*$/gm, "");
  const models = [...text.matchAll(/model\s+(\w+)\s*\{([\s\S]*?)\n\}/g)];
  const modelNames = new Set(models.map((m) => m[1]!));
  const tableOf = new Map<string, string>();
  for (const [, model, body] of models) tableOf.set(model!, /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? model!);

  const tables: ExpectedTable[] = [];
  for (const [, model, body] of models) {
    const table = tableOf.get(model!)!;
    const columns: ExpectedColumn[] = [];
    const columnOf = new Map<string, string>();
    let primaryKey: string[] = [];
    const indexes: Record<string, string[]> = {};
    const uniques: Record<string, string[]> = {};
    const foreignKeys: ExpectedTable["foreignKeys"] = {};
    const relations: { fields: string[]; refModel: string; references: string[]; onDelete: string }[] = [];

    for (const raw of body!.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("@@")) continue;
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) continue;
      const [, field, type, list, optional, attrs] = m;
      if (modelNames.has(type!)) {
        const rel = /@relation\((?:"\w+",\s*)?fields:\s*\[([^\]]*)\],\s*references:\s*\[([^\]]*)\](?:,\s*onDelete:\s*(\w+))?/.exec(attrs!);
        if (rel) relations.push({ fields: fieldList(rel[1]!), refModel: type!, references: fieldList(rel[2]!), onDelete: rel[3] ?? "Restrict" });
        continue;
      }
      if (list) throw new Error(`${model}.${field}: scalar lists are not handled`);
      const column = /@map\("([^"]+)"\)/.exec(attrs!)?.[1] ?? field!;
      columnOf.set(field!, column);
      const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attrs!);
      const pgType = native ? NATIVE[native[1]!]?.(native[2] ?? "") : SCALARS[type!];
      if (!pgType) throw new Error(`${model}.${field}: type ${type} ${native?.[0] ?? ""} is not handled`);
      columns.push({ name: column, type: pgType, nullable: optional === "?", hasDefault: /@default\(/.test(attrs!) });
      if (/@id\b/.test(attrs!)) primaryKey = [column];
      if (/@unique\b/.test(attrs!)) uniques[`${table}_${column}_key`] = [column];
    }
    const cols = (fields: string[]) => fields.map((f) => columnOf.get(f) ?? f);
    for (const [, kind, fields] of body!.matchAll(/@@(id|index|unique)\(\[([^\]]*)\][^)]*\)/g)) {
      const c = cols(fieldList(fields!));
      if (kind === "id") primaryKey = c;
      else if (kind === "index") indexes[`${table}_${c.join("_")}_idx`] = c;
      else uniques[`${table}_${c.join("_")}_key`] = c;
    }
    for (const r of relations) {
      const c = cols(r.fields);
      foreignKeys[`${table}_${c.join("_")}_fkey`] = {
        columns: c,
        table: tableOf.get(r.refModel)!,
        references: r.references, // the referenced model's fields; mapped below
        onDelete: ON_DELETE[r.onDelete]!,
      };
    }
    tables.push({ model: model!, name: table, columns, primaryKey, indexes, uniques, foreignKeys });
  }
  // Referenced fields → referenced columns.
  for (const t of tables) {
    for (const fk of Object.values(t.foreignKeys)) {
      const target = models.find(([, m]) => tableOf.get(m!) === fk.table)!;
      fk.references = fk.references.map((f) => /@map\("([^"]+)"\)/.exec(new RegExp(`^\\s*${f}\\s+.*$`, "m").exec(target[2]!)?.[0] ?? "")?.[1] ?? f);
    }
  }
  return tables;
}
