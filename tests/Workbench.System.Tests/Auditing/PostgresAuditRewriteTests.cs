using Microsoft.EntityFrameworkCore;
using Workbench.Data;
using Workbench.Testing.Providers;

namespace Workbench.System.Tests.Auditing;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditRewriteTests(PostgresServer postgres) : AuditRewriteTestsBase
{
    private readonly string _connectionString = postgres.ConnectionString("rewrite_" + Guid.NewGuid().ToString("N")[..10]);

    protected override string Provider => "Postgres";
    protected override string ConnectionString => _connectionString;
    protected override string DropTriggersSql => AuditAppendOnlySql.Postgres.Down;
    protected override string CreateTriggersSql => AuditAppendOnlySql.Postgres.Up;

    protected override WorkbenchDbContext OpenDatabase() =>
        new PostgresWorkbenchDbContext(new DbContextOptionsBuilder<PostgresWorkbenchDbContext>().UseNpgsql(_connectionString).Options);
}
