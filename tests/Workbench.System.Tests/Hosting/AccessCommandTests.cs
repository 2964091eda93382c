using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Data;

namespace Workbench.System.Tests.Hosting;

/// <summary>
/// A production deployment's first API client and first admin, made with the access commands of the real app process
/// (no UI, no one signed in), then used by the app; every act audited, every bad use one line and exit 1.
/// </summary>
public sealed class AccessCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("wb-access-").FullName;

    private string DatabasePath => Path.Combine(_work, "data", "wb.db");

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private Task<(int Code, string Output)> RunAsync(params string[] args) =>
        Processes.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Workbench.Web.dll"), .. args], TimeSpan.FromSeconds(60), _work,
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Database__Provider"] = "Sqlite",
                ["ConnectionStrings__Workbench"] = $"Data Source={DatabasePath}",
            });

    private static void AssertOneLineFailure((int Code, string Output) result, string command, string expected)
    {
        Assert.True(result.Code == 1, result.Output);
        Assert.Contains($"Workbench {command} failed: ", result.Output);
        Assert.Contains(expected, result.Output);
        Assert.DoesNotContain("   at ", result.Output);
    }

    [Fact]
    public async Task The_first_client_and_admin_are_made_by_commands_audited_and_the_key_works_until_revoked()
    {
        // Before migrate: refused, naming the command that is missing.
        AssertOneLineFailure(await RunAsync("create-api-key", "--id", "ops-agent", "--name", "Ops agent", "--scopes", "cases:submit"),
            "create-api-key", "pending migration(s)");
        Assert.Equal(0, (await RunAsync("migrate")).Code);

        var (code, output) = await RunAsync("create-api-key", "--id", "ops-agent", "--name", "Ops agent", "--scopes", "cases:submit,cases:read");
        Assert.True(code == 0, output);
        Assert.Contains("created API client 'ops-agent'", output);
        var key = output.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("wb_", StringComparison.Ordinal));

        (code, output) = await RunAsync("grant-role", "--user", "alice@example.com", "--role", "admin", "--display-name", "Alice Admin");
        Assert.True(code == 0, output);
        Assert.Contains("alice@example.com is admin", output);
        (code, output) = await RunAsync("grant-role", "--user=rita@example.com", "--role=reviewer", "--queues=support,finance");
        Assert.True(code == 0, output);
        Assert.Contains("rita@example.com is reviewer of finance, support", output);

        // Bad uses: one line each, nothing written.
        AssertOneLineFailure(await RunAsync("create-api-key", "--id", "ops-agent", "--name", "Again", "--scopes", "cases:submit"),
            "create-api-key", "--id: An API client with that id exists already");
        AssertOneLineFailure(await RunAsync("create-api-key", "--id", "x", "--name", "X", "--scopes", "cases:everything"),
            "create-api-key", "--scopes: One or more of cases:submit");
        AssertOneLineFailure(await RunAsync("create-api-key", "--id", "x", "--scopes", "cases:submit"), "create-api-key", "--name is required");
        AssertOneLineFailure(await RunAsync("grant-role", "--user", "bob", "--role", "boss"), "grant-role", "--role is 'boss'; use reviewer, lead or admin");
        AssertOneLineFailure(await RunAsync("grant-role", "--user", "bob", "--role", "reviewer", "--queues", "nowhere"),
            "grant-role", "--queues: Not a queue of the active policy: nowhere");
        AssertOneLineFailure(await RunAsync("revoke-api-key", "--id", "nobody"), "revoke-api-key", "There is no API client with that id");
        AssertOneLineFailure(await RunAsync("revoke-api-key", "--id"), "revoke-api-key", "--id needs a value");

        // The app, as production runs it on that database, takes a case with the key.
        await using var app = new WorkbenchFactory { EnvironmentName = Environments.Production };
        app.Settings["Database:MigrateAtStartup"] = "false";
        app.Settings["ConnectionStrings:Workbench"] = $"Data Source={DatabasePath}";
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var submitted = await client.PostAsync("/api/v1/cases", new StringContent(Samples.Json(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);

        var (users, events) = await app.WithDbAsync(async db => (
            await db.Users.AsNoTracking().Include(u => u.Queues).OrderBy(u => u.UserName).ToListAsync(),
            await db.AuditEvents.AsNoTracking().Where(e => e.ActorRole == "admin").OrderBy(e => e.Sequence).ToListAsync()));
        Assert.Equal(["alice@example.com", "rita@example.com"], users.Select(u => u.UserName));
        Assert.Equal(UserRole.Admin, users[0].Role);
        Assert.Equal("Alice Admin", users[0].DisplayName);
        Assert.Equal(["finance", "support"], users[1].Queues.Select(q => q.Queue).Order(StringComparer.Ordinal));
        Assert.Equal([AuditEventTypes.ApiKeyCreated, AuditEventTypes.UserProvisioned, AuditEventTypes.UserProvisioned], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("cli:" + Environment.UserName, e.Actor));
        Assert.All(events, e => Assert.DoesNotContain(key[3..], e.DataJson)); // never the key

        (code, output) = await RunAsync("revoke-api-key", "--id", "ops-agent");
        Assert.True(code == 0, output);
        Assert.Contains("revoked the key of API client 'ops-agent'", output);
        // The running instance refuses it within its key cache's lifetime.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode status;
        while (true)
        {
            status = (await client.PostAsync("/api/v1/cases", new StringContent(Samples.Json(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"))).StatusCode;
            if (status == HttpStatusCode.Unauthorized || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(AuditEventTypes.ApiKeyRevoked, await app.WithDbAsync(db => db.AuditEvents.OrderByDescending(e => e.Sequence)
            .Where(e => e.ActorRole == "admin").Select(e => e.Type).FirstAsync()));
    }
}
