using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.SqlServer
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
                type: "nvarchar(320)",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastSignInAt",
                table: "users",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ObjectId",
                table: "users",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "FromDirectory",
                table: "queue_memberships",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "DoubleReview",
                table: "cases",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<decimal>(
                name: "ModelCostAmount",
                table: "cases",
                type: "decimal(18,6)",
                precision: 18,
                scale: 6,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ModelCostCurrency",
                table: "cases",
                type: "nvarchar(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "PurgedAt",
                table: "cases",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PurgedContentSha256",
                table: "cases",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetentionDays",
                table: "cases",
                type: "int",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "double_reviews",
                columns: table => new
                {
                    CaseId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Workflow = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    Queue = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    ReadyAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Verdict = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    Reviewer = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    ReviewedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    EditedResponse = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    RejectReasonCode = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    Note = table.Column<string>(type: "nvarchar(max)", maxLength: 4096, nullable: true),
                    Revision = table.Column<int>(type: "int", nullable: false)
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
