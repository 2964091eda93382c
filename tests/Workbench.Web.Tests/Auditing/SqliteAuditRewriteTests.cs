using Microsoft.EntityFrameworkCore;
using Workbench.Data;
using Workbench.Testing.Providers;

namespace Workbench.Web.Tests.Auditing;

public sealed class SqliteAuditRewriteTests : AuditRewriteTestsBase
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "wb-rewrite-" + Guid.NewGuid().ToString("N")[..12] + ".db");

    protected override string Provider => "Sqlite";
    protected override string ConnectionString => $"Data Source={_file}";
    protected override string DropTriggersSql => AuditAppendOnlySql.Sqlite.Down;
    protected override string CreateTriggersSql => AuditAppendOnlySql.Sqlite.Up;

    protected override WorkbenchDbContext OpenDatabase() =>
        new SqliteWorkbenchDbContext(new DbContextOptionsBuilder<SqliteWorkbenchDbContext>().UseSqlite(ConnectionString).Options);
}
