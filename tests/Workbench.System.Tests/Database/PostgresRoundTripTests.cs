using Workbench.Testing.Providers;

namespace Workbench.System.Tests.Database;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRoundTripTests(PostgresServer server) : RoundTripTests
{
    protected override async Task<IServiceProvider> ServicesAsync()
    {
        var database = "rt_" + Guid.NewGuid().ToString("N")[..10];
        return await Task.FromResult(Build("Postgres", server.ConnectionString(database)));
    }
}
