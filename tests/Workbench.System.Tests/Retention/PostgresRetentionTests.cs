using Workbench.Testing.Providers;

namespace Workbench.System.Tests.Retention;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRetentionTests(PostgresServer postgres) : RetentionTestsBase
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Database:Provider"] = "Postgres";
        settings["ConnectionStrings:Workbench"] = postgres.ConnectionString("retention_" + Guid.NewGuid().ToString("N")[..10]);
    }
}
