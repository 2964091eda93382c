using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class AuditChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EvidenceIds",
                table: "audit_events",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FinalDecision",
                table: "audit_events",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "audit_events",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ModelVersion",
                table: "audit_events",
                type: "nvarchar(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PolicyVersion",
                table: "audit_events",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PrevHash",
                table: "audit_events",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "PromptVersion",
                table: "audit_events",
                type: "nvarchar(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReasonCodes",
                table: "audit_events",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RetrievalIndexVersion",
                table: "audit_events",
                type: "nvarchar(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReviewerAction",
                table: "audit_events",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RiskTier",
                table: "audit_events",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "Sequence",
                table: "audit_events",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "ToolVersions",
                table: "audit_events",
                type: "nvarchar(max)",
                nullable: true);

            // Events from before the chain: a provisional place before the unique index; start-up seals them.
            migrationBuilder.Sql(AuditAppendOnlySql.BackfillSequence);

            migrationBuilder.CreateTable(
                name: "audit_verifications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    RequestedBy = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    DurationMs = table.Column<long>(type: "bigint", nullable: false),
                    Intact = table.Column<bool>(type: "bit", nullable: false),
                    EventsChecked = table.Column<long>(type: "bigint", nullable: false),
                    HeadSequence = table.Column<long>(type: "bigint", nullable: false),
                    HeadHash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    BreakSequence = table.Column<long>(type: "bigint", nullable: true),
                    BreakEventId = table.Column<long>(type: "bigint", nullable: true),
                    BreakKind = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    Message = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_verifications", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Sequence",
                table: "audit_events",
                column: "Sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Type_Id",
                table: "audit_events",
                columns: new[] { "Type", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_verifications_StartedAt",
                table: "audit_verifications",
                column: "StartedAt");

            migrationBuilder.Sql(AuditAppendOnlySql.SqlServer.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(AuditAppendOnlySql.SqlServer.Down);
            migrationBuilder.DropTable(
                name: "audit_verifications");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_Sequence",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_Type_Id",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "EvidenceIds",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "FinalDecision",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "Hash",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "ModelVersion",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "PolicyVersion",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "PrevHash",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "PromptVersion",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "ReasonCodes",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "RetrievalIndexVersion",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "ReviewerAction",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "RiskTier",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "Sequence",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "ToolVersions",
                table: "audit_events");
        }
    }
}
