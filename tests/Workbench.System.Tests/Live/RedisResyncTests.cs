using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Review;
using Xunit.Abstractions;

namespace Workbench.System.Tests.Live;

/// <summary>
/// Two instances on one PostgreSQL and a redis-server of this test's own, which it kills, hangs (SIGSTOP) and brings
/// back while cases are submitted on A and decided on B: every decision reaches A's long-polls and A's pages, every
/// case reaches B's pages, none lost, and readiness is degraded (200) meanwhile. The long-polls' own re-check timer is
/// set far beyond the test, so only the events and the resync after Redis's return can wake them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RedisResyncTests(PostgresServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(40);

    private readonly RedisServer _redis = new();
    private readonly string _database = "resync_" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<WorkbenchFactory> _apps = [];

    private WorkbenchFactory Instance()
    {
        var app = new WorkbenchFactory
        {
            Settings =
            {
                ["Database:Provider"] = "Postgres",
                ["ConnectionStrings:Workbench"] = postgres.ConnectionString(_database),
                ["Redis:Connection"] = _redis.Connection,
                ["Redis:ProbeInterval"] = "00:00:00.500",
                ["Redis:ProbeTimeout"] = "00:00:01",
                ["Live:LongPollRecheck"] = "01:00:00",
            },
        };
        _apps.Add(app);
        _ = app.Server;
        return app;
    }

    public Task InitializeAsync() => _redis.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
        await _redis.DisposeAsync();
    }

    [Theory]
    [InlineData("killed")]
    [InlineData("hung")]
    public async Task Changes_made_while_Redis_is_down_reach_the_other_instance_once_it_is_back(string outage)
    {
        var a = Instance(); // A migrates and seeds first
        var b = Instance();
        // What B's pages hear (a page re-reads on any event of a case in its queue; a resync brings the case's latest
        // change, so a case created and decided during the outage may come as "decided" only).
        var heardOnB = new ConcurrentDictionary<Guid, bool>();
        var decidedOnA = new ConcurrentDictionary<Guid, bool>();
        using var pagesOnB = b.Services.GetRequiredService<CaseEvents>().Subscribe(e =>
        {
            if (e.Kind != CaseEventKinds.Presence && e.Queue == "policy-legal")
            {
                heardOnB[e.CaseId] = true;
            }
        });
        using var pagesOnA = a.Services.GetRequiredService<CaseEvents>().Subscribe(e =>
        {
            if (e.Status == CaseStatus.Decided)
            {
                decidedOnA[e.CaseId] = true;
            }
        });
        await BothAsync(a, b, "healthy", "Redis healthy at start");

        // Before the outage: a case submitted on A whose long-poll waits on A.
        var before = (await a.SubmitSampleAsync(Samples.Queues)).Id;
        var polls = new Dictionary<Guid, Task<HttpResponseMessage>> { [before] = a.ApiClient().GetAsync($"/api/v1/cases/{before}/decision?wait=60") };

        if (outage == "killed")
        {
            _redis.Kill();
        }
        else
        {
            _redis.Pause();
        }
        var degraded = await BothAsync(a, b, "degraded", $"a {outage} Redis");
        Assert.All(degraded, r => Assert.Equal(200, r.HttpStatus));

        // During the outage: cases submitted on A, each long-polled on A, and all decided on B.
        heardOnB.Clear();
        var during = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var id = (await a.SubmitSampleAsync(Samples.Queues)).Id;
            during.Add(id);
            polls[id] = a.ApiClient().GetAsync($"/api/v1/cases/{id}/decision?wait=60");
        }
        var reviews = b.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        foreach (var id in polls.Keys)
        {
            Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, id));
            Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, id, Samples.Approval(Samples.Queues)));
        }
        Assert.All(polls.Values, p => Assert.False(p.IsCompleted, "a long-poll on A heard of a decision on B while Redis was down"));

        var back = Stopwatch.StartNew();
        if (outage == "killed")
        {
            await _redis.StartAsync();
        }
        else
        {
            _redis.Resume();
        }
        await Until(() => during.All(heardOnB.ContainsKey), "B's pages hear of every case submitted on A during the outage");
        var bCaughtUp = back.Elapsed;
        await Until(() => polls.Keys.All(decidedOnA.ContainsKey), "A's pages hear of every decision made on B");
        foreach (var (id, poll) in polls)
        {
            var answer = await poll.WaitAsync(Within); // far below the 60 s the poll would otherwise hold
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(DecisionKind.Approved, (await answer.Content.ReadFromJsonAsync<DecisionView>(WorkbenchJson.Options))!.Decision);
        }
        var allAnswered = back.Elapsed;
        await BothAsync(a, b, "healthy", "Redis healthy once it is back");
        var line = $"Redis {outage}: B caught up {bCaughtUp.TotalSeconds:0.00} s after Redis was back; all {polls.Count} long-polls on A " +
                   $"answered after {allAnswered.TotalSeconds:0.00} s (probe interval 0.5 s, timeout 1 s)";
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    [Fact]
    public async Task An_instance_started_while_Redis_is_down_serves_and_catches_up_once_Redis_is_there()
    {
        var a = Instance();
        _redis.Kill();
        var b = Instance(); // starts with Redis down
        var createdOnB = new ConcurrentDictionary<Guid, bool>();
        using var pagesOnB = b.Services.GetRequiredService<CaseEvents>().Subscribe(e => createdOnB[e.CaseId] = true);
        await BothAsync(a, b, "degraded", "Redis down");

        var onB = (await b.SubmitSampleAsync(Samples.Queues)).Id; // B serves the API
        var onA = (await a.SubmitSampleAsync(Samples.Queues)).Id;
        Assert.NotEqual(Guid.Empty, onB);

        var back = Stopwatch.StartNew();
        await _redis.StartAsync();
        await Until(() => createdOnB.ContainsKey(onA), "B hears of the case submitted on A while Redis was down");
        var line = $"Instance started without Redis: caught up {back.Elapsed.TotalSeconds:0.00} s after Redis was there";
        output.WriteLine(line);
        Console.WriteLine(line);
        await BothAsync(a, b, "healthy", "Redis healthy once it is there");
    }

    private static async Task<Readiness[]> BothAsync(WorkbenchFactory a, WorkbenchFactory b, string redis, string what) =>
        await Task.WhenAll(new[] { a, b }.Select(app => Readiness.WaitAsync(app.CreateClient(), r => r.CheckStatus("redis") == redis, Within, what)));

    private static async Task Until(Func<bool> holds, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!holds())
        {
            if (clock.Elapsed > Within)
            {
                throw new TimeoutException($"Not within {Within.TotalSeconds:0} s: {what}.");
            }
            await Task.Delay(20);
        }
    }
}
