using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Postgres
{
    /// <summary>
    /// Every text column compresses with lz4 instead of pglz (PostgreSQL 14 or later, built with lz4, as the packages
    /// of Debian, Ubuntu, Red Hat, the official images and the managed services are). Values already stored keep
    /// their compression until written again; new values are compressed with lz4. One statement per column, each
    /// ended, so that the SQL script of the migrations runs as it reads.
    /// </summary>
    public partial class PostgresTextLz4 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"DataJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"EvidenceIds\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"ReasonCodes\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"ToolVersions\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE audit_texts ALTER COLUMN \"Text\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"DecisionJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"EditedParametersJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"EditedResponse\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"EditedVariablesJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"SubmissionJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"UndoJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE data_protection_keys ALTER COLUMN \"Xml\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE double_reviews ALTER COLUMN \"EditedResponse\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE idempotency_keys ALTER COLUMN \"ReceiptJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE notifications ALTER COLUMN \"MessageJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE outbox_events ALTER COLUMN \"Body\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE policy_evaluations ALTER COLUMN \"TraceJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE policy_versions ALTER COLUMN \"Yaml\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditDiffJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditedParametersJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditedResponse\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditedVariablesJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"Note\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"Question\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE spot_checks ALTER COLUMN \"EditedParametersJson\" SET COMPRESSION lz4;");
            migrationBuilder.Sql("ALTER TABLE spot_checks ALTER COLUMN \"EditedResponse\" SET COMPRESSION lz4;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"DataJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"EvidenceIds\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"ReasonCodes\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE audit_events ALTER COLUMN \"ToolVersions\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE audit_texts ALTER COLUMN \"Text\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"DecisionJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"EditedParametersJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"EditedResponse\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"EditedVariablesJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"SubmissionJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE cases ALTER COLUMN \"UndoJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE data_protection_keys ALTER COLUMN \"Xml\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE double_reviews ALTER COLUMN \"EditedResponse\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE idempotency_keys ALTER COLUMN \"ReceiptJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE notifications ALTER COLUMN \"MessageJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE outbox_events ALTER COLUMN \"Body\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE policy_evaluations ALTER COLUMN \"TraceJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE policy_versions ALTER COLUMN \"Yaml\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditDiffJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditedParametersJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditedResponse\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"EditedVariablesJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"Note\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE review_actions ALTER COLUMN \"Question\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE spot_checks ALTER COLUMN \"EditedParametersJson\" SET COMPRESSION default;");
            migrationBuilder.Sql("ALTER TABLE spot_checks ALTER COLUMN \"EditedResponse\" SET COMPRESSION default;");
        }
    }
}
