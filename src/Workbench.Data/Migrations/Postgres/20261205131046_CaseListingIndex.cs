using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CaseListingIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_cases_ClientId_CreatedAt_Id",
                table: "cases",
                columns: new[] { "ClientId", "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_cases_ClientId_CreatedAt_Id",
                table: "cases");
        }
    }
}
