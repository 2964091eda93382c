using Workbench.Data;
using Workbench.Testing.Providers;

namespace Workbench.System.Tests.Auditing;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditChainTests(PostgresServer postgres) : AuditChainTestsBase
{
    protected override WorkbenchFactory CreateApp() => new()
    {
        Settings =
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = postgres.ConnectionString("audit_" + Guid.NewGuid().ToString("N")[..10]),
            ["Audit:Verification:Enabled"] = "false",
        },
    };

    protected override string DropTriggersSql => AuditAppendOnlySql.Postgres.Down;
}
