using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SpotChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "spot_checks",
                columns: table => new
                {
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Workflow = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    SampledAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AgesOutAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClaimedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ClaimExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Verdict = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Reviewer = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ReviewedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EditedResponse = table.Column<string>(type: "TEXT", nullable: true),
                    EditedParametersJson = table.Column<string>(type: "TEXT", nullable: true),
                    RejectReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    RootCause = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_spot_checks", x => x.CaseId);
                    table.ForeignKey(
                        name: "FK_spot_checks_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_spot_checks_Queue_ReviewedAt_SampledAt",
                table: "spot_checks",
                columns: new[] { "Queue", "ReviewedAt", "SampledAt" });

            migrationBuilder.CreateIndex(
                name: "IX_spot_checks_Workflow_SampledAt",
                table: "spot_checks",
                columns: new[] { "Workflow", "SampledAt" });

            // The proceed cases sampled before this migration get their spot check too (SpotCheckBackfillSql).
            migrationBuilder.Sql(SpotCheckBackfillSql.Sqlite);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "spot_checks");
        }
    }
}
