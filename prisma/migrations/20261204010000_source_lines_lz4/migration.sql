-- The source-line blocks are compressed text (~8:1); PostgreSQL's default
-- pglz compresses them at about a third of lz4's speed, which an import of a
-- large log waits for (issue 12: 100 MB of lines, 0.86 s with pglz, 0.34 s
-- with lz4, about the same size). lz4 where the server is built with it
-- (Debian's and most builds are); otherwise the default stays. Blocks stored
-- before keep their compression until rewritten: both read the same.
DO $$
BEGIN
    ALTER TABLE "source_lines" ALTER COLUMN "text" SET COMPRESSION lz4;
EXCEPTION
    WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END
$$;
