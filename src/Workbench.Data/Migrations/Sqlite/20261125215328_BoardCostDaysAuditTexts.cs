using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BoardCostDaysAuditTexts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "PurgedAt",
                table: "outbox_events",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_texts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AuditEventId = table.Column<long>(type: "INTEGER", nullable: false),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Ref = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    Field = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: true),
                    Salt = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PurgedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_texts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_audit_texts_audit_events_AuditEventId",
                        column: x => x.AuditEventId,
                        principalTable: "audit_events",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "board_cost_days",
                columns: table => new
                {
                    Day = table.Column<long>(type: "INTEGER", nullable: false),
                    ReleaseOutcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ExecuteOutcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Resolved = table.Column<int>(type: "INTEGER", nullable: false),
                    ModelCostMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    ReviewActions = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_board_cost_days", x => new { x.Day, x.ReleaseOutcome, x.ExecuteOutcome, x.Currency });
                });

            migrationBuilder.CreateIndex(
                name: "IX_outbox_events_CaseId_PurgedAt",
                table: "outbox_events",
                columns: new[] { "CaseId", "PurgedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_four_eyes_decided",
                table: "cases",
                column: "DecidedAt",
                filter: "\"ApprovalsRequired\" >= 2 AND \"Status\" = 'decided'");

            migrationBuilder.CreateIndex(
                name: "IX_audit_texts_AuditEventId",
                table: "audit_texts",
                column: "AuditEventId");

            migrationBuilder.CreateIndex(
                name: "IX_audit_texts_CaseId_PurgedAt",
                table: "audit_texts",
                columns: new[] { "CaseId", "PurgedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_texts_Ref",
                table: "audit_texts",
                column: "Ref",
                unique: true);

            migrationBuilder.Sql(BoardAggregateSql.Sqlite.CostsUp);
            migrationBuilder.Sql(AuditTextSql.Sqlite.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(AuditTextSql.Sqlite.Down);
            migrationBuilder.Sql(BoardAggregateSql.Sqlite.CostsDown);

            migrationBuilder.DropTable(
                name: "audit_texts");

            migrationBuilder.DropTable(
                name: "board_cost_days");

            migrationBuilder.DropIndex(
                name: "IX_outbox_events_CaseId_PurgedAt",
                table: "outbox_events");

            migrationBuilder.DropIndex(
                name: "IX_cases_four_eyes_decided",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "PurgedAt",
                table: "outbox_events");
        }
    }
}
