using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Workbench.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AuditTreeCheckpointsReadinessProbe : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TreeSize = table.Column<long>(type: "bigint", nullable: false),
                    PreviousTreeSize = table.Column<long>(type: "bigint", nullable: false),
                    RootHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    HeadHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    IssuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Body = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    Signature = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    KeyId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    WrittenAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    WitnessedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    PublishError = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "audit_tree_nodes",
                columns: table => new
                {
                    Level = table.Column<int>(type: "integer", nullable: false),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_tree_nodes", x => new { x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "health_probes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_health_probes", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_checkpoints_PreviousTreeSize",
                table: "audit_checkpoints",
                column: "PreviousTreeSize",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_checkpoints_TreeSize",
                table: "audit_checkpoints",
                column: "TreeSize",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropTable(
                name: "audit_tree_nodes");

            migrationBuilder.DropTable(
                name: "health_probes");
        }
    }
}
