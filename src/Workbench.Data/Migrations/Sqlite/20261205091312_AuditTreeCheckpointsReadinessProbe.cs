using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workbench.Data.Migrations.Sqlite
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TreeSize = table.Column<long>(type: "INTEGER", nullable: false),
                    PreviousTreeSize = table.Column<long>(type: "INTEGER", nullable: false),
                    RootHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    HeadHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Signature = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    WrittenAt = table.Column<long>(type: "INTEGER", nullable: true),
                    WitnessedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    PublishError = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "audit_tree_nodes",
                columns: table => new
                {
                    Level = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_tree_nodes", x => new { x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "health_probes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
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
