using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "api_clients",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    KeyPrefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    KeyHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Scopes = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_clients", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ActorRole = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    DataJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "cases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ExternalId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Workflow = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    TaskType = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    RiskTier = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    ReleaseOutcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ExecuteOutcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReasonCodes = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    SlaDueAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ApprovalsRequired = table.Column<int>(type: "INTEGER", nullable: false),
                    SpotCheck = table.Column<bool>(type: "INTEGER", nullable: false),
                    RequesterId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    RequesterAuthenticated = table.Column<bool>(type: "INTEGER", nullable: false),
                    RequestPreview = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    SubmissionJson = table.Column<string>(type: "TEXT", nullable: false),
                    CallbackUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    PolicyVersion = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PendingQuestion = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    ClaimedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ClaimExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AssignedTo = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    EditedResponse = table.Column<string>(type: "TEXT", nullable: true),
                    EditedParametersJson = table.Column<string>(type: "TEXT", nullable: true),
                    EditedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ApprovedBy = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Decision = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DecisionJson = table.Column<string>(type: "TEXT", nullable: true),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "idempotency_keys",
                columns: table => new
                {
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReceiptJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_idempotency_keys", x => new { x.ClientId, x.Key });
                });

            migrationBuilder.CreateTable(
                name: "policy_versions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Version = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Yaml = table.Column<string>(type: "TEXT", nullable: false),
                    PublishedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    PublishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    IsActive = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policy_versions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    UserName = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.UserName);
                });

            migrationBuilder.CreateTable(
                name: "downstream_outcomes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    ReportedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ReportedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_downstream_outcomes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_downstream_outcomes_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "policy_evaluations",
                columns: table => new
                {
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Release = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Execute = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReasonCodesJson = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    SlaDueAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ApprovalsRequired = table.Column<int>(type: "INTEGER", nullable: false),
                    RiskTier = table.Column<int>(type: "INTEGER", nullable: false),
                    AutonomyStage = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SpotCheck = table.Column<bool>(type: "INTEGER", nullable: false),
                    ClarifyingQuestion = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    PolicyVersion = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TraceJson = table.Column<string>(type: "TEXT", nullable: false),
                    EvaluatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policy_evaluations", x => x.CaseId);
                    table.ForeignKey(
                        name: "FK_policy_evaluations_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "review_actions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Reviewer = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    EditedResponse = table.Column<string>(type: "TEXT", nullable: true),
                    EditedParametersJson = table.Column<string>(type: "TEXT", nullable: true),
                    EditDiffJson = table.Column<string>(type: "TEXT", nullable: true),
                    RejectReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Question = table.Column<string>(type: "TEXT", nullable: true),
                    FromQueue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    TargetQueue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Note = table.Column<string>(type: "TEXT", nullable: true),
                    RootCause = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    EscalationNecessary = table.Column<bool>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_review_actions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_review_actions_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "queue_memberships",
                columns: table => new
                {
                    UserName = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_queue_memberships", x => new { x.UserName, x.Queue });
                    table.ForeignKey(
                        name: "FK_queue_memberships_users_UserName",
                        column: x => x.UserName,
                        principalTable: "users",
                        principalColumn: "UserName",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_api_clients_KeyHash",
                table: "api_clients",
                column: "KeyHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_CaseId_Id",
                table: "audit_events",
                columns: new[] { "CaseId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_cases_ClientId_ExternalId",
                table: "cases",
                columns: new[] { "ClientId", "ExternalId" },
                unique: true);

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

            migrationBuilder.CreateIndex(
                name: "IX_cases_Status_CreatedAt",
                table: "cases",
                columns: new[] { "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_downstream_outcomes_CaseId",
                table: "downstream_outcomes",
                column: "CaseId");

            migrationBuilder.CreateIndex(
                name: "IX_idempotency_keys_ExpiresAt",
                table: "idempotency_keys",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_policy_versions_Version",
                table: "policy_versions",
                column: "Version",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_review_actions_CaseId_At",
                table: "review_actions",
                columns: new[] { "CaseId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_clients");

            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "downstream_outcomes");

            migrationBuilder.DropTable(
                name: "idempotency_keys");

            migrationBuilder.DropTable(
                name: "policy_evaluations");

            migrationBuilder.DropTable(
                name: "policy_versions");

            migrationBuilder.DropTable(
                name: "queue_memberships");

            migrationBuilder.DropTable(
                name: "review_actions");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "cases");
        }
    }
}
