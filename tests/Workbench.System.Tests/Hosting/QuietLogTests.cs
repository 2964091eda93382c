using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;

namespace Workbench.System.Tests.Hosting;

/// <summary>
/// Outcomes that are expected are not logged as failures: on PostgreSQL, racing submissions with one Idempotency-Key,
/// racing submissions with one externalId and reviewers racing to claim one case answer as designed and leave no
/// <c>fail:</c> line and no stack trace in the app's output; <c>migrate</c> on a database that does not exist yet
/// creates it without a <c>fail:</c> line.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QuietLogTests(PostgresServer postgres) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("wb-quiet-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string Database() => "quiet_" + Guid.NewGuid().ToString("N")[..10];

    private static StringContent Body(string json) => new(json, global::System.Text.Encoding.UTF8, "application/json");

    private static void AssertNoFailure(string output)
    {
        var lines = output.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_creates_a_missing_PostgreSQL_database_without_a_failure_line()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Workbench.Web.dll");
        var (code, output) = await Processes.RunAsync("dotnet", [dll, "migrate"], TimeSpan.FromSeconds(120), _work, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Workbench"] = postgres.ConnectionString(Database()),
        });
        Assert.True(code == 0, output);
        Assert.Contains("Workbench migrate: applied", output);
        AssertNoFailure(output);
    }

    [Fact]
    public async Task Lost_idempotency_races_duplicate_external_ids_and_claim_races_log_no_failure()
    {
        using var app = AppProcess.Start(_work, Processes.FreePort(), new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Workbench"] = postgres.ConnectionString(Database()),
        });
        using var http = app.Client();
        await app.WaitReadyAsync(http);
        HttpClient Agent()
        {
            var agent = app.Client();
            agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Samples.DemoKey);
            return agent;
        }

        // One Idempotency-Key, eight submissions at once: one case.
        var body = Samples.Json(Samples.Queues, $"quiet-idem-{Guid.NewGuid():N}"[..24]).ToJsonString();
        var key = Guid.NewGuid().ToString("N");
        var sameKey = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var agent = Agent();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = Body(body) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await agent.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }));
        // The first is created; the others replay it (200) or are told it is still in flight (409).
        Assert.All(sameKey, r => Assert.True(r.Item1 is 200 or 201 or 409, r.Item2));
        Assert.Single(sameKey, r => r.Item1 == 201);
        Assert.Single(sameKey.Where(r => r.Item1 is 200 or 201)
            .Select(r => JsonDocument.Parse(r.Item2).RootElement.GetProperty("id").GetString()).Distinct());

        // One externalId, eight submissions at once without a key: one is created, the others are told it exists.
        var duplicate = Samples.Json(Samples.Queues, $"quiet-dup-{Guid.NewGuid():N}"[..24]).ToJsonString();
        var sameExternalId = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var agent = Agent();
            using var response = await agent.PostAsync("/api/v1/cases", Body(duplicate));
            return (int)response.StatusCode;
        }));
        Assert.Single(sameExternalId, s => s == 201);
        Assert.All(sameExternalId, s => Assert.True(s is 200 or 201 or 409, $"status {s}"));

        // Reviewers racing for one case: one claim.
        var id = JsonDocument.Parse(sameKey.Single(r => r.Item1 == 201).Item2).RootElement.GetProperty("id").GetString();
        var reviewers = new[] { await app.SignedInAsync("lena"), await app.SignedInAsync("rita") };
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await reviewers[i % 2].PostAsync($"/api/v1/review/cases/{id}/claim", Body("{}"));
            return response.StatusCode;
        }));
        Assert.Contains(HttpStatusCode.OK, claims);
        Assert.DoesNotContain(claims, s => (int)s >= 500);

        Assert.False(app.HasExited, app.Output);
        AssertNoFailure(app.Output);
        foreach (var reviewer in reviewers)
        {
            reviewer.Dispose();
        }
    }
}
