using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Workbench.System.Tests.Live;

/// <summary>
/// The app as a process of its own, started while Redis is down: it must start, serve the API, report degraded with
/// one log line and no stack trace (not exit with <c>SUBSCRIBE</c> failing in start-up), refuse hub connections with a
/// 503 meanwhile, and connect by itself once Redis is there.
/// </summary>
public sealed class RedisStartupTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private readonly string _work = Directory.CreateTempSubdirectory("wb-redis-start-").FullName;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _redis.Kill(); // its port stays reserved for the restart below; nothing listens there now
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task An_instance_started_while_Redis_is_down_serves_says_so_once_and_connects_when_Redis_comes()
    {
        using var app = AppProcess.Start(_work, Processes.FreePort(), new Dictionary<string, string>
        {
            ["Redis__Connection"] = _redis.Connection,
            ["Redis__ProbeInterval"] = "00:00:00.500",
            ["Redis__ProbeTimeout"] = "00:00:01",
        });
        using var http = app.Client();
        await app.WaitReadyAsync(http); // 200: degraded is ready
        // Degraded from the start; the hub refuses once a probe has failed (before the first one ends it cannot know).
        var degraded = await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "degraded"
            && r.Checks["redis"].Description?.Contains("has not been probed yet", StringComparison.Ordinal) == false,
            TimeSpan.FromSeconds(30), "Redis degraded after a failed probe");
        Assert.Equal(200, degraded.HttpStatus);
        Assert.Equal("healthy", degraded.CheckStatus("database"));

        // The API works meanwhile.
        using var api = app.Client();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Samples.DemoKey);
        using (var submitted = await api.PostAsync("/api/v1/cases", new StringContent(Samples.Json(Samples.Queues).ToJsonString(),
                   global::System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        }

        // The hub answers at once with a 503 and a problem detail instead of failing the connection after a timeout.
        using (var negotiate = await api.PostAsync("/hubs/queues/negotiate?negotiateVersion=1", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), negotiate.Headers.RetryAfter?.Delta);
            using var problem = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
            Assert.Equal(Workbench.Contracts.ProblemTypes.Unavailable, problem.RootElement.GetProperty("type").GetString());
        }

        await _redis.StartAsync();
        await Readiness.WaitAsync(http, r => r.CheckStatus("redis") == "healthy", TimeSpan.FromSeconds(60), "Redis healthy once it is there");
        using (var negotiate = await api.PostAsync("/hubs/queues/negotiate?negotiateVersion=1", null))
        {
            Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        }

        Assert.False(app.HasExited, app.Output);
        var lines = app.Output.Split('\n');
        Assert.Single(lines, l => l.Contains("cannot be reached at start-up", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }
}
