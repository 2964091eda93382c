using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Web.Auth;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>The board's figures against a real SQLite database, with cases submitted, decided and breached for real.</summary>
public sealed class BoardQueriesTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;

    public BoardQueriesTests()
    {
        _app = new WorkbenchFactory
        {
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Active_is_red_only_while_cases_wait_and_nobody_is_active()
    {
        var board = _app.Services.GetRequiredService<BoardQueries>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        BoardSignal Legal(BoardSnapshot s) => s.Queues.Single(q => q.Queue == "policy-legal").ActiveSignal;

        // Nothing waits anywhere and nobody is active: no queue is red.
        var empty = await board.SnapshotAsync();
        Assert.All(empty.Queues, q => Assert.Equal((0, BoardSignal.None), (q.Waiting, q.ActiveSignal)));

        // Two cases wait and nobody holds a claim: red.
        var first = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        await _app.SubmitSampleAsync(Samples.Queues);
        Assert.Equal(BoardSignal.Alarm, Legal(await board.SnapshotAsync()));

        // Rita takes one, one still waits: someone is at work, the forecast needs no more than her.
        Assert.IsType<ReviewResult.Ok>(await _app.Services.GetRequiredService<ReviewService>().ClaimAsync(rita, first));
        var working = (await board.SnapshotAsync()).Queues.Single(q => q.Queue == "policy-legal");
        Assert.Equal((1, 1), (working.Waiting, working.ActiveReviewers));
        Assert.Equal(working.Staffing is { Agents: > 1 } ? BoardSignal.Warn : BoardSignal.None, working.ActiveSignal);

        // She decides it and releases nothing else: one waits, nobody active — red again.
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var reject = new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = "MULTI_POLICY_CONFLICT", RootCause = RootCause.RetrievalConflict };
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, first, reject));
        Assert.Equal(BoardSignal.Alarm, Legal(await board.SnapshotAsync()));

        // She takes and decides the other: nothing waits, nobody is active, though the day's arrivals need a reviewer.
        var other = Assert.IsType<ReviewResult.Ok>(await reviews.NextAsync(rita, "policy-legal")).Case.Id;
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, other, reject));
        var idle = (await board.SnapshotAsync()).Queues.Single(q => q.Queue == "policy-legal");
        Assert.Equal((0, 0), (idle.Waiting, idle.ActiveReviewers));
        Assert.True(idle.Staffing is { Agents: > 0 }, "two arrivals today: the forecast needs a reviewer");
        Assert.Equal(BoardSignal.None, idle.ActiveSignal);
    }

    [Fact]
    public async Task The_board_counts_open_decided_and_breached_cases_per_queue()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await _app.SubmitSampleAsync(Samples.Queues)).Id); // policy-legal, handoff
        }
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, ids[0]));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, ids[0], Samples.Approval(Samples.Queues)));
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, ids[1]));

        var board = _app.Services.GetRequiredService<BoardQueries>();
        var snapshot = await board.SnapshotAsync();
        var legal = snapshot.Queues.Single(q => q.Queue == "policy-legal");
        Assert.Equal((3, 1, 0), (legal.Open, legal.InReview, legal.Breached));
        Assert.Equal((4, 1), (legal.Arrivals24h, legal.Completions24h));
        Assert.Equal(1, legal.ActiveReviewers);
        Assert.NotNull(legal.Staffing);
        Assert.Equal(1.0, legal.AttainmentToday); // decided within its SLA
        Assert.Equal(4, snapshot.ArrivalsPerHour.Sum());
        Assert.Equal(1, snapshot.CompletionsPerHour.Sum());
        Assert.Equal(PathOutcome.Handoff, Assert.Single(snapshot.Paths).Path);
        var reviewer = Assert.Single(snapshot.Reviewers);
        Assert.Equal(("rita", 1, 1), (reviewer.Reviewer, reviewer.InHand, reviewer.DecidedToday));
        Assert.Contains(snapshot.Bottlenecks, b => b.Rule == "arrivals_exceed_completions" && b.Queue == "policy-legal");
        Assert.NotEmpty(snapshot.ReasonsPerDay);

        // Two weeks later every open case is past its SLA: the monitor breaches them and the board shows the alerts.
        _clock.Advance(TimeSpan.FromDays(14));
        Assert.Equal(3, (await _app.Services.GetRequiredService<SlaMonitor>().SweepAsync()).Breached);
        snapshot = await board.SnapshotAsync();
        Assert.Equal(3, snapshot.Queues.Single(q => q.Queue == "policy-legal").Breached);
        Assert.Equal(3, snapshot.LeadAlerts.Count);
        Assert.All(snapshot.LeadAlerts, a => Assert.Contains("SLA breached in policy-legal", a.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_board_page_renders_for_a_lead()
    {
        await _app.SubmitSampleAsync(Samples.Queues);
        var client = await _app.SignedInAs("lena");
        var response = await client.GetAsync("/board");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("SLA board", html, StringComparison.Ordinal);
        Assert.Contains("data-queue=\"policy-legal\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var sorted = Enumerable.Range(1, 10).Select(i => TimeSpan.FromMinutes(i)).ToList();
        Assert.Equal(TimeSpan.FromMinutes(5), BoardQueries.Percentile(sorted, 0.5));
        Assert.Equal(TimeSpan.FromMinutes(9), BoardQueries.Percentile(sorted, 0.9));
        Assert.Equal(TimeSpan.Zero, BoardQueries.Percentile([], 0.5));
    }
}
