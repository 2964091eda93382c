namespace Workbench.Testing;

/// <summary>
/// Two app processes (A and B) on their own ports sharing a throwaway PostgreSQL and a real redis-server, as
/// behind a load balancer with sticky sessions: a browser page stays on the instance it opened.
/// </summary>
public sealed class TwoInstances : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private readonly RedisServer _redis = new();

    public AppServer A { get; } = new();
    public AppServer B { get; } = new();

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), _redis.InitializeAsync());
        var database = "e2e_" + Guid.NewGuid().ToString("N")[..10];
        foreach (var app in new[] { A, B })
        {
            app.Settings["Database:Provider"] = "Postgres";
            app.Settings["ConnectionStrings:Workbench"] = _postgres.ConnectionString(database);
            app.Settings["Redis:Connection"] = _redis.Connection;
        }
        await A.InitializeAsync(); // A migrates and seeds; B then finds everything in place
        await B.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await _redis.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
