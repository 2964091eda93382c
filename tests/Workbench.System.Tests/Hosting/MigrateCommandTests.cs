using System.Net;
using Microsoft.Extensions.Hosting;

namespace Workbench.System.Tests.Hosting;

/// <summary>
/// Production applies migrations with the separate `migrate` command and refuses to start against a database with
/// pending migrations; the real app process, as a deployment runs it.
/// </summary>
public sealed class MigrateCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("wb-migrate-").FullName;

    private string DatabasePath => Path.Combine(_work, "data", "wb.db");

    private Task<(int Code, string Output)> RunAppAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Workbench.Web.dll");
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Processes.FreePort()}",
            ["Database__Provider"] = "Sqlite",
            ["ConnectionStrings__Workbench"] = $"Data Source={DatabasePath}",
            ["Audit__Checkpoints__Enabled"] = "false", // not about the audit key (a missing one stops the start)
        };
        return Processes.RunAsync("dotnet", [dll, .. args], TimeSpan.FromSeconds(60), _work, env);
    }

    [Fact]
    public async Task Production_start_up_refuses_pending_migrations_until_migrate_has_run()
    {
        var (code, output) = await RunAppAsync();
        Assert.Equal(1, code);
        Assert.Contains("Workbench cannot start: The Sqlite database", output);
        Assert.Contains("pending migration(s)", output);
        Assert.Contains("migrate", output);
        Assert.DoesNotContain("   at ", output);

        (code, output) = await RunAppAsync("migrate");
        Assert.True(code == 0, output);
        Assert.Contains("Workbench migrate: applied", output);
        Assert.True(File.Exists(DatabasePath));

        (code, output) = await RunAppAsync("migrate");
        Assert.True(code == 0, output);
        Assert.Contains("is up to date", output);

        // The migrated database is accepted by an app that does not migrate at start-up.
        await using var app = new WorkbenchFactory { EnvironmentName = Environments.Production };
        app.Settings["Database:MigrateAtStartup"] = "false";
        app.Settings["ConnectionStrings:Workbench"] = $"Data Source={DatabasePath}";
        var ready = await app.CreateClient().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Migrate_against_an_unreachable_database_fails_with_one_line()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Workbench.Web.dll");
        var port = Processes.FreePort(); // nothing listens there
        var (code, output) = await Processes.RunAsync("dotnet", [dll, "migrate"], TimeSpan.FromSeconds(60), _work, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Workbench"] = $"Host=127.0.0.1;Port={port};Database=wb;Username=wb;Password=pw-secret;Timeout=3",
        });
        Assert.Equal(1, code);
        Assert.Contains("Workbench migrate failed: Cannot open the Postgres database", output);
        Assert.DoesNotContain("pw-secret", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task A_setting_that_is_not_a_boolean_is_named()
    {
        var (code, output) = await RunAppAsync("--Database:MigrateAtStartup=sometimes");
        Assert.Equal(1, code);
        Assert.Contains("Database:MigrateAtStartup is 'sometimes'", output);
    }

    public void Dispose()
    {
        SqlitePools.Clear(DatabasePath);
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
