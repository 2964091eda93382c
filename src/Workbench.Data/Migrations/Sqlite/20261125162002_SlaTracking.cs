using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SlaTracking : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SlaPausedAt",
                table: "cases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SlaStartedAt",
                table: "cases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SlaState",
                table: "cases",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_cases_CreatedAt_Queue_ReasonCodes",
                table: "cases",
                columns: new[] { "CreatedAt", "Queue", "ReasonCodes" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_DecidedAt_Queue_SlaDueAt",
                table: "cases",
                columns: new[] { "DecidedAt", "Queue", "SlaDueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_SlaState_SlaDueAt",
                table: "cases",
                columns: new[] { "SlaState", "SlaDueAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_cases_CreatedAt_Queue_ReasonCodes",
                table: "cases");

            migrationBuilder.DropIndex(
                name: "IX_cases_DecidedAt_Queue_SlaDueAt",
                table: "cases");

            migrationBuilder.DropIndex(
                name: "IX_cases_SlaState_SlaDueAt",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "SlaPausedAt",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "SlaStartedAt",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "SlaState",
                table: "cases");
        }
    }
}
