using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class QueueIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_cases_Queue_Status_SlaDueAt",
                table: "cases");

            migrationBuilder.CreateIndex(
                name: "IX_cases_Queue_CreatedAt",
                table: "cases",
                columns: new[] { "Queue", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_Queue_Priority_SlaDueAt",
                table: "cases",
                columns: new[] { "Queue", "Priority", "SlaDueAt" },
                descending: new[] { false, true, false });

            migrationBuilder.CreateIndex(
                name: "IX_cases_Queue_RiskTier_SlaDueAt",
                table: "cases",
                columns: new[] { "Queue", "RiskTier", "SlaDueAt" },
                descending: new[] { false, true, false });

            migrationBuilder.CreateIndex(
                name: "IX_cases_Queue_SlaDueAt",
                table: "cases",
                columns: new[] { "Queue", "SlaDueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_Queue_Status_SlaDueAt_ReasonCodes",
                table: "cases",
                columns: new[] { "Queue", "Status", "SlaDueAt", "ReasonCodes" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_cases_Queue_CreatedAt",
                table: "cases");

            migrationBuilder.DropIndex(
                name: "IX_cases_Queue_Priority_SlaDueAt",
                table: "cases");

            migrationBuilder.DropIndex(
                name: "IX_cases_Queue_RiskTier_SlaDueAt",
                table: "cases");

            migrationBuilder.DropIndex(
                name: "IX_cases_Queue_SlaDueAt",
                table: "cases");

            migrationBuilder.DropIndex(
                name: "IX_cases_Queue_Status_SlaDueAt_ReasonCodes",
                table: "cases");

            migrationBuilder.CreateIndex(
                name: "IX_cases_Queue_Status_SlaDueAt",
                table: "cases",
                columns: new[] { "Queue", "Status", "SlaDueAt" });
        }
    }
}
