using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class BoardCostDaysAuditTexts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "PurgedAt",
                table: "outbox_events",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_texts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    AuditEventId = table.Column<long>(type: "bigint", nullable: false),
                    CaseId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    Ref = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    Field = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    Text = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    Salt = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    Sha256 = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    PurgedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
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

            migrationBuilder.Sql(AuditTextSql.SqlServer.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(AuditTextSql.SqlServer.Down);

            migrationBuilder.DropTable(
                name: "audit_texts");

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
