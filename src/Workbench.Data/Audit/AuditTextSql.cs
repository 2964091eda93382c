namespace Workbench.Data;

/// <summary>
/// The SQL that keeps <c>audit_texts</c> purge-only in the database itself, for each provider: an UPDATE may only
/// purge a text (Text and Salt to NULL, PurgedAt set, every other column unchanged) and a DELETE is refused, so a
/// text is either the one that was written or gone — and a changed one fails its digest in the chain anyway. Applied
/// by the migration that creates the table (<c>migrationBuilder.Sql(AuditTextSql.Sqlite.Up)</c> and so on, like
/// <see cref="AuditAppendOnlySql"/>); kept here so a regenerated migration only needs those lines re-added.
/// </summary>
public static class AuditTextSql
{
    public const string TriggerName = "audit_texts_purge_only";

    public static class Sqlite
    {
        public const string Up = """
            CREATE TRIGGER audit_texts_purge_only BEFORE UPDATE ON audit_texts
            WHEN NOT (NEW."Text" IS NULL AND NEW."Salt" IS NULL AND NEW."PurgedAt" IS NOT NULL
                AND NEW."Id" = OLD."Id" AND NEW."AuditEventId" = OLD."AuditEventId" AND NEW."CaseId" IS OLD."CaseId"
                AND NEW."Ref" = OLD."Ref" AND NEW."Field" = OLD."Field" AND NEW."Sha256" = OLD."Sha256" AND NEW."CreatedAt" = OLD."CreatedAt")
            BEGIN SELECT RAISE(ABORT, 'audit_texts can only be purged: an audit text cannot be changed'); END;
            CREATE TRIGGER audit_texts_purge_only_delete BEFORE DELETE ON audit_texts
            BEGIN SELECT RAISE(ABORT, 'audit_texts can only be purged: an audit text cannot be deleted'); END;
            """;

        public const string Down = """
            DROP TRIGGER IF EXISTS audit_texts_purge_only;
            DROP TRIGGER IF EXISTS audit_texts_purge_only_delete;
            """;
    }

    public static class Postgres
    {
        public const string Up = """
            CREATE OR REPLACE FUNCTION audit_texts_purge_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW."Text" IS NULL AND NEW."Salt" IS NULL AND NEW."PurgedAt" IS NOT NULL
                    AND NEW."Id" = OLD."Id" AND NEW."AuditEventId" = OLD."AuditEventId" AND NEW."CaseId" IS NOT DISTINCT FROM OLD."CaseId"
                    AND NEW."Ref" = OLD."Ref" AND NEW."Field" = OLD."Field" AND NEW."Sha256" = OLD."Sha256" AND NEW."CreatedAt" = OLD."CreatedAt" THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_texts can only be purged: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE TRIGGER audit_texts_purge_only BEFORE UPDATE OR DELETE ON audit_texts
                FOR EACH ROW EXECUTE FUNCTION audit_texts_purge_only();
            CREATE TRIGGER audit_texts_purge_only_truncate BEFORE TRUNCATE ON audit_texts
                FOR EACH STATEMENT EXECUTE FUNCTION audit_texts_purge_only();
            """;

        public const string Down = """
            DROP TRIGGER IF EXISTS audit_texts_purge_only_truncate ON audit_texts;
            DROP TRIGGER IF EXISTS audit_texts_purge_only ON audit_texts;
            DROP FUNCTION IF EXISTS audit_texts_purge_only();
            """;
    }

    public static class SqlServer
    {
        public const string Up = """
            CREATE TRIGGER audit_texts_purge_only ON audit_texts AFTER UPDATE, DELETE AS
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM inserted) OR EXISTS (
                    SELECT 1 FROM inserted i JOIN deleted d ON d.[Id] = i.[Id]
                    WHERE i.[Text] IS NOT NULL OR i.[Salt] IS NOT NULL OR i.[PurgedAt] IS NULL OR i.[AuditEventId] <> d.[AuditEventId]
                       OR i.[Ref] <> d.[Ref] OR i.[Field] <> d.[Field] OR i.[Sha256] <> d.[Sha256] OR i.[CreatedAt] <> d.[CreatedAt]
                       OR EXISTS (SELECT i.[CaseId] EXCEPT SELECT d.[CaseId]))
                    THROW 51002, 'audit_texts can only be purged: an audit text cannot be changed or deleted', 1;
            END
            """;

        public const string Down = "DROP TRIGGER IF EXISTS audit_texts_purge_only;";
    }
}
