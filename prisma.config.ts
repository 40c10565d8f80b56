import { defineConfig } from "prisma/config";

// DATABASE_URL is only read by the Prisma CLI; racelab itself connects through
// src/db/connection.ts (server or embedded) and applies prisma/migrations itself.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/racelab" },
});
