using Npgsql;

namespace Workbench.System.Tests.Hosting;

/// <summary>
/// Two app processes started at the same moment on one empty PostgreSQL database, as an orchestrator starts replicas:
/// both come up, the demo data is written once, and there is one Data Protection key, not one per instance.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConcurrentStartTests(PostgresServer postgres) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("wb-concurrent-start-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Two_instances_starting_together_on_an_empty_database_both_serve_seed_once_and_share_one_key()
    {
        var database = "start_" + Guid.NewGuid().ToString("N")[..10];
        // The database exists and is empty, as an operator provisions it; both instances migrate and seed at once.
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Workbench"] = postgres.ConnectionString(database),
            ["Workbench__DemoData__Enabled"] = "true",
            ["Logging__LogLevel__Workbench.Web.Hosting.DevelopmentSeed"] = "Information",
        };
        using var a = AppProcess.Start(_work, Processes.FreePort(), settings);
        using var b = AppProcess.Start(_work, Processes.FreePort(), settings);
        using var httpA = a.Client();
        using var httpB = b.Client();
        await Task.WhenAll(a.WaitReadyAsync(httpA, TimeSpan.FromSeconds(120)), b.WaitReadyAsync(httpB, TimeSpan.FromSeconds(120)));
        Assert.False(a.HasExited, a.Output);
        Assert.False(b.HasExited, b.Output);

        var seeded = (a.Output + "\n" + b.Output).Split('\n').Count(l => l.Contains("Demo data:", StringComparison.Ordinal));
        Assert.True(seeded == 1, $"the demo data was written {seeded} times:\n{a.Output}\n---\n{b.Output}");
        await using var db = new NpgsqlConnection(postgres.ConnectionString(database));
        await db.OpenAsync();
        Assert.Equal(1L, await CountAsync(db, "data_protection_keys"));
        Assert.True(await CountAsync(db, "cases") > 0);
        Assert.Equal(await CountAsync(db, "cases"), await CountAsync(db, "(SELECT DISTINCT \"ClientId\", \"ExternalId\" FROM cases) d"));
    }

    private static async Task<long> CountAsync(NpgsqlConnection db, string from)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {from}", db);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
