using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Live;
using Workbench.Web.Review;

namespace Workbench.System.Tests.Live;

/// <summary>Two app instances sharing PostgreSQL and a real redis-server: each sees the other's changes.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
{
    private WorkbenchFactory _a = null!;
    private WorkbenchFactory _b = null!;

    private WorkbenchFactory Instance(string database) => new()
    {
        Settings =
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = postgres.ConnectionString(database),
            ["Redis:Connection"] = redis.Connection,
        },
    };

    public Task InitializeAsync()
    {
        var database = "scale_" + Guid.NewGuid().ToString("N")[..10];
        _a = Instance(database);
        _ = _a.Server; // A migrates and seeds first; B then finds everything in place
        _b = Instance(database);
        _ = _b.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static async Task<T> Within<T>(TimeSpan limit, Func<T?> probe) where T : class
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("The condition did not hold in time.");
    }

    [Fact]
    public async Task A_case_submitted_on_one_instance_is_announced_on_the_other()
    {
        var seenOnB = new ConcurrentQueue<CaseEvent>();
        using var _ = _b.Services.GetRequiredService<CaseEvents>().Subscribe(seenOnB.Enqueue);

        var id = (await _a.SubmitSampleAsync(Samples.Queues)).Id;

        var created = await Within(TimeSpan.FromSeconds(10), () => seenOnB.FirstOrDefault(e => e.CaseId == id && e.Kind == "created"));
        Assert.Equal("policy-legal", created.Queue);
        Assert.Equal(HttpStatusCode.OK, (await _a.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task A_long_poll_on_one_instance_wakes_when_a_reviewer_decides_on_the_other()
    {
        var id = (await _a.SubmitSampleAsync(Samples.Queues)).Id;

        var poll = _b.ApiClient().GetAsync($"/api/v1/cases/{id}/decision?wait=45");
        var reviews = _a.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, id, Samples.Approval(Samples.Queues)));

        var answer = await poll.WaitAsync(TimeSpan.FromSeconds(20)); // far below the 45 s it would otherwise hold
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(DecisionKind.Approved, (await answer.Content.ReadFromJsonAsync<DecisionView>(WorkbenchJson.Options))!.Decision);
    }

    [Fact]
    public async Task Reviewers_on_both_instances_racing_for_one_case_give_one_claim()
    {
        var id = (await _a.SubmitSampleAsync(Samples.Queues)).Id;
        var onA = _a.Services.GetRequiredService<ReviewService>();
        var onB = _b.Services.GetRequiredService<ReviewService>();
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? onA : onB)
            .ClaimAsync(new ReviewerIdentity($"r{i}", false, new HashSet<string> { "policy-legal" }), id)));
        Assert.Single(results, r => r is ReviewResult.Ok);
    }
}

/// <summary>Two instances on real Kestrels sharing PostgreSQL and redis-server: the hub's Redis backplane.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutHubTests(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
{
    private WorkbenchFactory _a = null!;
    private WorkbenchFactory _b = null!;
    private Uri _addressA = null!;
    private Uri _addressB = null!;

    private WorkbenchFactory Instance(string database) => new()
    {
        Settings =
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Workbench"] = postgres.ConnectionString(database),
            ["Redis:Connection"] = redis.Connection,
        },
    };

    public Task InitializeAsync()
    {
        var database = "hub_" + Guid.NewGuid().ToString("N")[..10];
        _a = Instance(database);
        _addressA = _a.StartKestrel();
        _b = Instance(database);
        _addressB = _b.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task A_hub_client_on_one_instance_hears_each_event_of_the_other_exactly_once()
    {
        await using var onB = await LiveApp.ReviewerHubAsync(_addressB, "rita");
        var seen = onB.Record();
        await onB.InvokeAsync("JoinQueue", "policy-legal");
        await using var agentOnB = await LiveApp.ClientHubAsync(_addressB);
        var updates = new ConcurrentQueue<HubClientCaseEvent>();
        agentOnB.On<HubClientCaseEvent>(QueuesHub.ClientMethod, updates.Enqueue);

        var id = (await LiveApp.SubmitAsync(_addressA, Samples.Queues)).Id;
        await agentOnB.InvokeAsync("JoinCase", id);
        var reviews = _a.Services.GetRequiredService<ReviewService>();
        var lena = new ReviewerIdentity("lena", true, null);
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(lena, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(lena, id, Samples.Approval(Samples.Queues)));

        await LiveApp.Eventually(() => seen.Count(e => e.CaseId == id) >= 3 && !updates.IsEmpty, "A's events reach B's hub clients");
        await Task.Delay(500); // B's relay also delivers A's events in-process: a second copy through the hub would show up now
        Assert.Equal(["created", "claimed", "decided"], seen.Where(e => e.CaseId == id).Select(e => e.Kind));
        Assert.Equal("decided", Assert.Single(updates).Kind);
    }
}
