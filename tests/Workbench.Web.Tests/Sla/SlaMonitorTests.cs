using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Observability;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>
/// The SLA monitor against a real SQLite database with a clock the tests move: at risk → breached (escalated) →
/// expired, each with its audit event and its case event, and safe when two monitors sweep at once.
/// </summary>
public sealed class SlaMonitorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;
    private readonly string _policyPath;
    private readonly ConcurrentQueue<CaseEvent> _events = new();
    private IDisposable? _subscription;

    public SlaMonitorTests()
    {
        // The shipped policy, with policy-legal on a short round-the-clock SLA that escalates to security, and
        // support.refund (the sample's workflow) expiring after a day.
        _policyPath = PolicyFiles.Write(PolicyFiles.LegalEscalatingToSecurity, ("""
                required_fields: [order_id]
            """, """
                required_fields: [order_id]
                timeout: 1d
                on_timeout: reject
            """));
        _app = SlaTestApp.On(_policyPath, _clock);
    }

    public Task InitializeAsync()
    {
        _subscription = _app.Services.GetRequiredService<CaseEvents>().Subscribe(e => _events.Enqueue(e));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _subscription?.Dispose();
        await _app.DisposeAsync();
        File.Delete(_policyPath);
    }

    private SlaMonitor Monitor => _app.Services.GetRequiredService<SlaMonitor>();

    private async Task<Guid> QueuedCaseAsync()
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Queues);
        Assert.Equal("policy-legal", receipt.Queue);
        Assert.Equal(_clock.GetUtcNow().AddHours(4), receipt.SlaDueAt);
        return receipt.Id;
    }

    private Task<Data.Entities.CaseRecord> CaseAsync(Guid id) => _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));

    private Task<List<Data.Entities.AuditEventRecord>> AuditAsync(Guid id, string type) =>
        _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(a => a.CaseId == id && a.Type == type).ToListAsync());

    private List<string> EventsOf(Guid id) => _events.Where(e => e.CaseId == id && e.Kind != "presence").Select(e => e.Kind).ToList();

    [Fact]
    public async Task A_case_goes_at_risk_then_breached_and_escalated_then_expired()
    {
        var id = await QueuedCaseAsync();

        // 2h in: half the SLA left, nothing happens.
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());
        Assert.Equal(SlaState.OnTrack, (await CaseAsync(id)).SlaState);

        // 3h10m in: 20 % left, under the 25 % threshold: at risk, once.
        _clock.Advance(TimeSpan.FromMinutes(70));
        Assert.Equal(new SlaSweepResult(1, 0, 0), await Monitor.SweepAsync());
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());
        var atRisk = await CaseAsync(id);
        Assert.Equal(SlaState.AtRisk, atRisk.SlaState);
        Assert.Single(await AuditAsync(id, "case.sla_at_risk"));
        Assert.Contains("sla_at_risk", EventsOf(id));

        // Past due: breached, priority one step up, moved to the escalation queue, a lead alert.
        var before = atRisk.Priority;
        _clock.Advance(TimeSpan.FromMinutes(51));
        Assert.Equal(new SlaSweepResult(0, 1, 0), await Monitor.SweepAsync());
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());
        var breached = await CaseAsync(id);
        Assert.Equal(SlaState.Escalated, breached.SlaState);
        Assert.Equal(before + 1, breached.Priority);
        Assert.Equal("security", breached.Queue);
        Assert.Equal(CaseStatus.Queued, breached.Status);
        // The escalation queue's own SLA (the case's path, its raised priority) runs from the breach.
        var breachedAt = _clock.GetUtcNow();
        Assert.Equal(((DateTimeOffset?)breachedAt, (DateTimeOffset?)(breachedAt + SecuritySla(breached))), (breached.SlaStartedAt, breached.SlaDueAt));
        var restarted = Assert.Single(await AuditAsync(id, "case.sla_restarted"));
        Assert.Contains("\"queue\":\"security\"", restarted.DataJson, StringComparison.Ordinal);
        Assert.Contains($"\"slaDueAt\":\"{breached.SlaDueAt:yyyy-MM-ddTHH:mm:ss}", restarted.DataJson, StringComparison.Ordinal);
        var audit = Assert.Single(await AuditAsync(id, "case.sla_breached"));
        Assert.Contains("\"escalatedTo\":\"security\"", audit.DataJson, StringComparison.Ordinal);
        Assert.Contains($"\"slaDueAt\":\"{atRisk.SlaDueAt:yyyy-MM-ddTHH:mm:ss}", audit.DataJson, StringComparison.Ordinal);
        Assert.Single(await AuditAsync(id, SlaMonitor.LeadAlertType));
        var breachEvent = Assert.Single(_events, e => e.CaseId == id && e.Kind == "sla_breached");
        Assert.Equal(("security", "policy-legal"), (breachEvent.Queue, breachEvent.PreviousQueue));
        // The AI system hears of it: one outbox event, written with the change.
        var breachWebhook = Assert.Single(await _app.WithDbAsync(db => db.OutboxEvents.Where(o => o.CaseId == id).ToListAsync()));
        Assert.Equal("case.sla_breached", breachWebhook.Type);
        Assert.Contains("\"queue\":\"security\"", breachWebhook.Body, StringComparison.Ordinal);

        // Past the workflow's hard timeout (1d): expired with the default decision, deliverable to the long-poll.
        _clock.Advance(TimeSpan.FromHours(20));
        Assert.Equal(new SlaSweepResult(0, 0, 1), await Monitor.SweepAsync());
        var expired = await CaseAsync(id);
        Assert.Equal(CaseStatus.Expired, expired.Status);
        Assert.Equal(DecisionKind.Expired, expired.Decision);
        Assert.Single(await AuditAsync(id, "case.expired"));
        Assert.Equal(["sla_at_risk", "sla_breached", "expired"], EventsOf(id).Where(k => k != "created"));
        var webhooks = await _app.WithDbAsync(db => db.OutboxEvents.Where(o => o.CaseId == id).OrderBy(o => o.Id).ToListAsync());
        Assert.Equal(["case.sla_breached", "case.expired"], webhooks.Select(w => w.Type));
        Assert.Contains("\"decision\":\"expired\"", webhooks[1].Body, StringComparison.Ordinal);

        using var response = await _app.ApiClient().GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = JsonSerializer.Deserialize<DecisionView>(await response.Content.ReadAsStringAsync(), WorkbenchJson.Options)!;
        Assert.Equal(DecisionKind.Expired, decision.Decision);
        Assert.Null(decision.ResponseText); // the default decision is reject: nothing is released
        Assert.Contains("reject", decision.Note, StringComparison.Ordinal);
    }

    /// <summary>
    /// The security queue's SLA as the shipped policy writes it (<c>sla</c> and <c>priority_sla</c>, round the clock),
    /// for the case's work: a hand-off where either half of the path is one, else an approval.
    /// </summary>
    private static TimeSpan SecuritySla(Data.Entities.CaseRecord c)
    {
        var handoff = c.ReleaseOutcome == PathOutcome.Handoff || c.ExecuteOutcome == PathOutcome.Handoff;
        return (c.Priority, handoff) switch
        {
            (CasePriority.Urgent, false) => TimeSpan.FromMinutes(15),
            (CasePriority.Urgent, true) => TimeSpan.FromHours(1),
            (CasePriority.High, false) => TimeSpan.FromHours(1),
            (CasePriority.High, true) => TimeSpan.FromHours(2),
            (_, false) => TimeSpan.FromHours(2),
            (_, true) => TimeSpan.FromHours(4),
        };
    }

    [Fact]
    public async Task The_escalation_queues_own_SLA_runs_from_the_breach_and_missing_it_is_a_breach_there()
    {
        var id = await QueuedCaseAsync();
        var alerts = _app.Services.GetRequiredService<BoardAlerts>();
        var board = _app.Services.GetRequiredService<BoardQueries>();
        var breachesCounted = new ConcurrentQueue<string?>();
        using var listener = ListenToBreaches(breachesCounted);
        _clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        var breachedAt = _clock.GetUtcNow();
        Assert.Equal(1, (await Monitor.SweepAsync()).Breached);
        var escalated = await CaseAsync(id);
        Assert.Equal((SlaState.Escalated, "security"), (escalated.SlaState, escalated.Queue));
        // The new deadline: security's SLA for this work at the raised priority, from the breach.
        var due = breachedAt + SecuritySla(escalated);
        Assert.Equal(due, escalated.SlaDueAt);
        // The breach metric names the queue the case breached in, not the one it was escalated to.
        Assert.Equal(["policy-legal"], breachesCounted);

        // On the escalation queue's clock: no breach on the board until that one runs out too; its next due is the new one.
        Assert.Empty((await alerts.SnapshotAsync(TimeSpan.FromMinutes(10))).Breaches);
        var security = (await board.SnapshotAsync()).Queues.Single(q => q.Queue == "security");
        Assert.Equal((1, 0, (DateTimeOffset?)due), (security.Open, security.Breached, security.NextDue));

        _clock.Advance(due - _clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(new SlaSweepResult(0, 1, 0), await Monitor.SweepAsync());
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());
        var again = await CaseAsync(id);
        // Security escalates nowhere: the case stays, breached, on the clock it missed, and no new clock starts.
        Assert.Equal((SlaState.Breached, "security", (DateTimeOffset?)due), (again.SlaState, again.Queue, again.SlaDueAt));
        Assert.Single(await AuditAsync(id, "case.sla_restarted"));
        var breaches = (await AuditAsync(id, "case.sla_breached")).OrderBy(a => a.Sequence).ToList();
        Assert.Equal(2, breaches.Count);
        Assert.Contains("\"queue\":\"security\"", breaches[1].DataJson, StringComparison.Ordinal);
        Assert.Equal(["policy-legal", "security"], breachesCounted);
        var group = Assert.Single((await alerts.SnapshotAsync(TimeSpan.FromMinutes(10))).Breaches);
        Assert.Equal("security", group.Queue);
        Assert.Equal(_clock.GetUtcNow() - due, group.OldestOver);
        Assert.Equal("policy-legal", Assert.Single(group.Cases).EscalatedFrom);
        Assert.Equal(1, (await board.SnapshotAsync()).Queues.Single(q => q.Queue == "security").Breached);
    }

    /// <summary>The queue tag of each <c>workbench.sla.breaches</c> measurement of this app.</summary>
    private MeterListener ListenToBreaches(ConcurrentQueue<string?> into)
    {
        var factory = _app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WorkbenchMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)
                    && instrument.Name == "workbench.sla.breaches")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == "queue")
                {
                    into.Enqueue(t.Value as string);
                }
            }
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task A_waiting_long_poll_wakes_when_the_case_expires()
    {
        var id = await QueuedCaseAsync();
        using var client = _app.ApiClient();
        var poll = client.GetAsync($"/api/v1/cases/{id}/decision?wait=30");
        await Task.Delay(200); // let the poll subscribe; it must end on the expiry, long before its 30 s
        _clock.Advance(TimeSpan.FromDays(1));
        await Monitor.SweepAsync();
        using var response = await poll.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"decision\":\"expired\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_monitors_sweeping_at_once_act_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await QueuedCaseAsync());
        }
        _clock.Advance(TimeSpan.FromHours(5));
        var s = _app.Services;
        SlaMonitor Another() => new(s.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), s.GetRequiredService<ActivePolicy>(), _clock,
            s.GetRequiredService<CaseEvents>(), s.GetRequiredService<DecisionNotifier>(), s.GetRequiredService<IOptionsMonitor<SlaOptions>>(),
            s.GetRequiredService<Workbench.Web.Observability.WorkbenchMetrics>(), NullLogger<SlaMonitor>.Instance);
        var results = await Task.WhenAll(Another().SweepAsync(), Another().SweepAsync(), Monitor.SweepAsync());
        Assert.Equal(5, results.Sum(r => r.Breached));
        foreach (var id in ids)
        {
            Assert.Single(await AuditAsync(id, "case.sla_breached"));
            Assert.Single(_events, e => e.CaseId == id && e.Kind == "sla_breached");
            Assert.Equal(CasePriority.High, (await CaseAsync(id)).Priority); // raised once, not once per monitor
        }
    }

    [Fact]
    public async Task A_queue_that_pauses_stops_the_clock_while_awaiting_info()
    {
        var id = await QueuedCaseAsync();
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, id, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which order?" }));
        Assert.NotNull((await CaseAsync(id)).SlaPausedAt);

        // Ten hours waiting for the AI system: no breach, the clock is stopped.
        _clock.Advance(TimeSpan.FromHours(10));
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());

        // The answer restarts the clock with the three hours that were left.
        using var reply = await _app.ApiClient().PostAsync($"/api/v1/cases/{id}/replies",
            new StringContent("""{"message":"Order 4711."}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var resumed = await CaseAsync(id);
        Assert.Null(resumed.SlaPausedAt);
        Assert.Equal(_clock.GetUtcNow().AddHours(3), resumed.SlaDueAt);
        _clock.Advance(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await Monitor.SweepAsync()).Breached);
    }

    [Fact]
    public async Task A_decided_case_is_left_alone()
    {
        var id = await QueuedCaseAsync();
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, id, Samples.Approval(Samples.Queues)));
        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(new SlaSweepResult(0, 0, 0), await Monitor.SweepAsync());
        Assert.Equal(CaseStatus.Decided, (await CaseAsync(id)).Status);
    }
}
