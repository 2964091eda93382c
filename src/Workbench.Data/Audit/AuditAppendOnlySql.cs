namespace Workbench.Data;

/// <summary>
/// The SQL that makes <c>audit_events</c> append-only in the database itself, for each provider, applied by the
/// migration <c>AuditChain</c> (<c>migrationBuilder.Sql(AuditAppendOnlySql.Sqlite.Up)</c> and so on). Kept here, not
/// in the generated migration, so that a regenerated migration only needs the two lines re-added.
///
/// The trigger stops a mistake or an application bug; it does not stop someone with DDL rights (he can drop it).
/// The database user the app runs as should therefore have no UPDATE or DELETE on the table at all:
/// <code>
/// -- PostgreSQL (app role: workbench_app; the migration runs as the owner)
/// REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM workbench_app;
/// GRANT SELECT, INSERT ON audit_events TO workbench_app;
/// -- SQL Server (app user: workbench_app; the migration runs as db_owner)
/// DENY UPDATE, DELETE ON dbo.audit_events TO workbench_app;
/// GRANT SELECT, INSERT ON dbo.audit_events TO workbench_app;
/// </code>
/// Against someone who can do anything, the hash chain is the evidence: verification names the first row that
/// was changed, deleted or moved.
///
/// Events written before the chain existed have an empty hash: <see cref="BackfillSequence"/> (in the migration,
/// after the new columns and before the unique index on the sequence) gives them their id as a provisional place,
/// and start-up seals them once (<see cref="AuditChain.SealUnchainedAsync"/>). That one update of an unsealed row
/// is the only one the triggers let through.
/// </summary>
public static class AuditAppendOnlySql
{
    public const string TriggerName = "audit_events_append_only";

    /// <summary>Same SQL on every provider (quoted identifiers: PostgreSQL keeps the case of EF's column names).</summary>
    public const string BackfillSequence = "UPDATE audit_events SET \"Sequence\" = \"Id\" WHERE \"Hash\" = '';";

    public static class Sqlite
    {
        public const string Up = """
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events WHEN OLD."Hash" <> ''
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: an audit event cannot be changed'); END;
            CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: an audit event cannot be deleted'); END;
            """;

        public const string Down = """
            DROP TRIGGER IF EXISTS audit_events_append_only;
            DROP TRIGGER IF EXISTS audit_events_append_only_delete;
            """;
    }

    public static class Postgres
    {
        public const string Up = """
            CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD."Hash" = '' THEN
                    RETURN NEW; -- sealing an event written before the chain existed, once
                END IF;
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
            CREATE TRIGGER audit_events_append_only_truncate BEFORE TRUNCATE ON audit_events
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
            """;

        public const string Down = """
            DROP TRIGGER IF EXISTS audit_events_append_only_truncate ON audit_events;
            DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events;
            DROP FUNCTION IF EXISTS audit_events_refuse_change();
            """;
    }

    public static class SqlServer
    {
        public const string Up = """
            CREATE TRIGGER audit_events_append_only ON audit_events AFTER UPDATE, DELETE AS
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM inserted) OR EXISTS (SELECT 1 FROM deleted WHERE [Hash] <> N'')
                    THROW 51000, 'audit_events is append-only: an audit event cannot be changed or deleted', 1;
            END
            """;

        public const string Down = "DROP TRIGGER IF EXISTS audit_events_append_only;";
    }
}
