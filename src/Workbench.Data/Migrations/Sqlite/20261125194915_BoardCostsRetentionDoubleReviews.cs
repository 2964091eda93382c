using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BoardCostsRetentionDoubleReviews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Email",
                table: "users",
                type: "TEXT",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastSignInAt",
                table: "users",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ObjectId",
                table: "users",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "FromDirectory",
                table: "queue_memberships",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "DoubleReview",
                table: "cases",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<decimal>(
                name: "ModelCostAmount",
                table: "cases",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ModelCostCurrency",
                table: "cases",
                type: "TEXT",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PurgedAt",
                table: "cases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PurgedContentSha256",
                table: "cases",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetentionDays",
                table: "cases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "board_hours",
                columns: table => new
                {
                    Hour = table.Column<long>(type: "INTEGER", nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Arrivals = table.Column<int>(type: "INTEGER", nullable: false),
                    Completions = table.Column<int>(type: "INTEGER", nullable: false),
                    SlaDecided = table.Column<int>(type: "INTEGER", nullable: false),
                    SlaMet = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_board_hours", x => new { x.Hour, x.Queue });
                });

            migrationBuilder.CreateTable(
                name: "board_reason_days",
                columns: table => new
                {
                    Day = table.Column<long>(type: "INTEGER", nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReasonCodes = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Arrivals = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_board_reason_days", x => new { x.Day, x.Queue, x.ReasonCodes });
                });

            migrationBuilder.CreateTable(
                name: "double_reviews",
                columns: table => new
                {
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Workflow = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ReadyAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Verdict = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Reviewer = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ReviewedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EditedResponse = table.Column<string>(type: "TEXT", nullable: true),
                    RejectReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_double_reviews", x => x.CaseId);
                    table.ForeignKey(
                        name: "FK_double_reviews_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_review_actions_At_Kind_Reviewer",
                table: "review_actions",
                columns: new[] { "At", "Kind", "Reviewer" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_open_board",
                table: "cases",
                columns: new[] { "Queue", "Status", "SlaState", "SlaDueAt", "SlaPausedAt", "CreatedAt", "ClaimedBy" },
                filter: "\"Status\" IN ('queued', 'in_review', 'awaiting_info')");

            migrationBuilder.CreateIndex(
                name: "IX_double_reviews_Queue_ReviewedAt_ReadyAt",
                table: "double_reviews",
                columns: new[] { "Queue", "ReviewedAt", "ReadyAt" });

            // The board's pre-aggregates: triggers on cases and the back-fill of existing rows (BoardAggregateSql).
            migrationBuilder.Sql(BoardAggregateSql.Sqlite.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(BoardAggregateSql.Sqlite.Down);

            migrationBuilder.DropTable(
                name: "board_hours");

            migrationBuilder.DropTable(
                name: "board_reason_days");

            migrationBuilder.DropTable(
                name: "double_reviews");

            migrationBuilder.DropIndex(
                name: "IX_review_actions_At_Kind_Reviewer",
                table: "review_actions");

            migrationBuilder.DropIndex(
                name: "IX_cases_open_board",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "Email",
                table: "users");

            migrationBuilder.DropColumn(
                name: "LastSignInAt",
                table: "users");

            migrationBuilder.DropColumn(
                name: "ObjectId",
                table: "users");

            migrationBuilder.DropColumn(
                name: "FromDirectory",
                table: "queue_memberships");

            migrationBuilder.DropColumn(
                name: "DoubleReview",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "ModelCostAmount",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "ModelCostCurrency",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "PurgedAt",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "PurgedContentSha256",
                table: "cases");

            migrationBuilder.DropColumn(
                name: "RetentionDays",
                table: "cases");
        }
    }
}
