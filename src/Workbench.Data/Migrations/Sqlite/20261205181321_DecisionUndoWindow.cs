using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DecisionUndoWindow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "NotBefore",
                table: "outbox_events",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ReleaseAt",
                table: "cases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UndoJson",
                table: "cases",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "NotBefore",
                table: "outbox_events");

            migrationBuilder.DropColumn(
                name: "ReleaseAt",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "UndoJson",
                table: "cases");
        }
    }
}
