using Microsoft.Extensions.DependencyInjection;
using Workbench.Testing.Providers;

namespace Workbench.System.Tests.Sla;

[Collection(PostgresCollection.Name)]
public sealed class PostgresBoardCostAggregatesTests(PostgresServer postgres) : BoardCostAggregatesTestsBase
{
    protected override WorkbenchFactory CreateApp(Action<IServiceCollection> services) => new()
    {
        TestServices = services,
        Settings =
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = postgres.ConnectionString("costs_" + Guid.NewGuid().ToString("N")[..10]),
            ["Audit:Verification:Enabled"] = "false",
        },
    };
}
