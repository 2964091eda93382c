using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SavedQueueViews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "queue_preferences",
                columns: table => new
                {
                    UserName = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Density = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_queue_preferences", x => x.UserName);
                });

            migrationBuilder.CreateTable(
                name: "saved_queue_views",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    ReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Tier = table.Column<int>(type: "INTEGER", nullable: true),
                    Workflow = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Claim = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Sort = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Density = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_saved_queue_views", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_saved_queue_views_UserName_Name",
                table: "saved_queue_views",
                columns: new[] { "UserName", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "queue_preferences");

            migrationBuilder.DropTable(
                name: "saved_queue_views");
        }
    }
}
