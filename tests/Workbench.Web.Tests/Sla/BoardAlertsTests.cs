using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Web.Auditing;
using Workbench.Web.Auth;
using Workbench.Web.Review;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>
/// The board's alerts and costs against a real SQLite database: cases submitted on the API, reviewed through the review
/// service, breached by the SLA monitor and an audit chain tampered with, on a fake clock.
/// </summary>
public sealed class BoardAlertsTests : IAsyncLifetime
{
    private static readonly TimeSpan HandleTime = TimeSpan.FromMinutes(12);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;

    public BoardAlertsTests()
    {
        _app = new WorkbenchFactory
        {
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(AuditVerificationWorker)));
            },
        };
        _app.Settings["Board:BreachesListed"] = "2";
        _app.Settings["Board:ReviewerCostPerHour"] = "50";
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private BoardAlerts Alerts => _app.Services.GetRequiredService<BoardAlerts>();

    [Fact]
    public async Task Breaches_are_grouped_per_queue_with_the_count_the_oldest_overrun_and_the_oldest_cases()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _app.SubmitSampleAsync(Samples.Queues)).Id); // policy-legal, handoff
            _clock.Advance(TimeSpan.FromMinutes(10));
        }
        Assert.Empty((await Alerts.SnapshotAsync(HandleTime)).Breaches);

        _clock.Advance(TimeSpan.FromDays(14));
        Assert.Equal(3, (await _app.Services.GetRequiredService<SlaMonitor>().SweepAsync()).Breached);
        var snapshot = await Alerts.SnapshotAsync(HandleTime);
        var group = Assert.Single(snapshot.Breaches);
        Assert.Equal(("policy-legal", "Policy and legal", 3), (group.Queue, group.Title, group.Count));
        var dues = await _app.WithDbAsync(db => db.Cases.Where(c => ids.Contains(c.Id)).OrderBy(c => c.SlaDueAt).Select(c => new { c.Id, c.SlaDueAt }).ToListAsync());
        Assert.Equal(snapshot.At - dues[0].SlaDueAt!.Value, group.OldestOver);
        // Board:BreachesListed = 2: the two most overdue, oldest first; the count still covers all three.
        Assert.Equal(dues.Take(2).Select(d => d.Id), group.Cases.Select(c => c.Id));

        // A decided case leaves the alert.
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, dues[0].Id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, dues[0].Id, Samples.Approval(Samples.Queues)));
        group = Assert.Single((await Alerts.SnapshotAsync(HandleTime)).Breaches);
        Assert.Equal(2, group.Count);
        Assert.Equal(dues.Skip(1).Select(d => d.Id), group.Cases.Select(c => c.Id));
    }

    [Fact]
    public async Task A_broken_audit_chain_found_by_the_verification_is_an_alert_on_the_board_and_its_page()
    {
        for (var i = 0; i < 3; i++)
        {
            await _app.SubmitSampleAsync(Samples.Queues);
        }
        var verifier = _app.Services.GetRequiredService<AuditVerifier>();
        Assert.True((await verifier.RunAsync(AuditVerifier.Scheduled)).Report.Intact);
        Assert.Null((await Alerts.SnapshotAsync(HandleTime)).AuditChain);

        var tampered = await _app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync(Workbench.Data.AuditAppendOnlySql.Sqlite.Down);
            await db.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"Actor\" = 'mallory' WHERE \"Sequence\" = 2");
            return await db.AuditEvents.Where(a => a.Sequence == 2).Select(a => a.Id).SingleAsync();
        });
        Assert.Null((await Alerts.SnapshotAsync(HandleTime)).AuditChain); // nothing is known until a verification runs

        var (report, _) = await verifier.RunAsync(AuditVerifier.Scheduled);
        Assert.False(report.Intact);
        var alert = (await Alerts.SnapshotAsync(HandleTime)).AuditChain;
        Assert.NotNull(alert);
        Assert.Equal(("broken", 2L, tampered), (alert.Kind, alert.BreakSequence, alert.BreakEventId));
        Assert.Contains("event 2", alert.Title, StringComparison.Ordinal);
        Assert.Contains(report.Break!.Message, alert.Detail, StringComparison.Ordinal);
        Assert.Contains("scheduled verification", alert.Detail, StringComparison.Ordinal);

        // The board page as a lead gets it (server-rendered): the alert, with the link to the audit.
        var html = await (await _app.SignedInAs("lena")).GetStringAsync("/board");
        Assert.Contains("data-rule=\"audit_chain_broken\"", html, StringComparison.Ordinal);
        Assert.Contains("The audit chain is broken at event 2", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/audit\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verification_older_than_26_hours_is_an_alert_and_a_fresh_one_clears_it()
    {
        await _app.SubmitSampleAsync(Samples.Queues);
        var verifier = _app.Services.GetRequiredService<AuditVerifier>();
        await verifier.RunAsync(AuditVerifier.Scheduled);
        _clock.Advance(TimeSpan.FromHours(25));
        Assert.Null((await Alerts.SnapshotAsync(HandleTime)).AuditChain);
        _clock.Advance(TimeSpan.FromHours(2));
        var alert = (await Alerts.SnapshotAsync(HandleTime)).AuditChain;
        Assert.Equal("stale", alert?.Kind);
        Assert.Contains("1 d 3 h", alert!.Title, StringComparison.Ordinal);
        await verifier.RunAsync("adam");
        Assert.Null((await Alerts.SnapshotAsync(HandleTime)).AuditChain);
    }

    [Fact]
    public void A_chain_never_verified_is_an_alert_only_once_it_is_older_than_the_limit()
    {
        var now = DateTimeOffset.UtcNow;
        var limit = TimeSpan.FromHours(26);
        Assert.Null(BoardAlerts.AuditAlert(null, null, now, limit));
        Assert.Null(BoardAlerts.AuditAlert(null, now.AddHours(-25), now, limit));
        Assert.Equal("never", BoardAlerts.AuditAlert(null, now.AddHours(-27), now, limit)?.Kind);
    }

    [Fact]
    public async Task Four_eyes_cases_a_second_reviewer_rejected_raise_the_disagreement_alert()
    {
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var felix = new ReviewerIdentity("felix", false, new HashSet<string> { "finance" });
        var lena = new ReviewerIdentity("lena", true, null);
        for (var i = 0; i < 6; i++)
        {
            var id = (await _app.SubmitJsonAsync(FourEyes())).Id;
            Assert.Equal(2, await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.ApprovalsRequired).SingleAsync()));
            Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(felix, id));
            Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(felix, id, FourEyesApproval));
            Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(lena, id));
            var second = i < 3
                ? new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = "HIGH_VALUE_TRANSACTION", RootCause = RootCause.PolicyTooLoose }
                : FourEyesApproval;
            Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(lena, id, second));
        }
        var alert = (await Alerts.SnapshotAsync(HandleTime)).Disagreement;
        Assert.NotNull(alert);
        Assert.Equal("disagreement_rising", alert.Rule);
        Assert.Contains("50 %", alert.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Four_eyes_cases_both_reviewers_approved_raise_no_disagreement_alert()
    {
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var felix = new ReviewerIdentity("felix", false, new HashSet<string> { "finance" });
        var lena = new ReviewerIdentity("lena", true, null);
        for (var i = 0; i < 6; i++)
        {
            var id = (await _app.SubmitJsonAsync(FourEyes())).Id;
            foreach (var r in new[] { felix, lena })
            {
                Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(r, id));
                Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(r, id, FourEyesApproval));
            }
        }
        Assert.Null((await Alerts.SnapshotAsync(HandleTime)).Disagreement);
    }

    [Fact]
    public async Task Cost_per_resolved_case_by_path_adds_reviewer_time_and_the_reported_model_cost()
    {
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var rita = new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" });
        // Two auto-approved cases with a model cost, one in another currency (not converted, not counted).
        await _app.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Proceeds), 0.0125m, "USD"));
        await _app.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Proceeds), 0.50m, "EUR"));
        // A hand-off decided by a reviewer after asking for info: two review actions.
        var handoff = (await _app.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Queues), 0.25m, "USD"))).Id;
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, handoff));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, handoff, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which policy version applies?" }));
        Assert.Equal(HttpStatusCode.OK, (await _app.ApiClient().PostAsync($"/api/v1/cases/{handoff}/replies",
            new StringContent("""{"message":"v7"}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(rita, handoff));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(rita, handoff, Samples.Approval(Samples.Queues)));
        // An open hand-off is not resolved: it costs nothing yet.
        await _app.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Queues), 9m, "USD"));

        var costs = (await Alerts.SnapshotAsync(HandleTime)).Costs;
        Assert.Equal([PathOutcome.Proceed, PathOutcome.Handoff], costs.Select(c => c.Path));
        var auto = costs[0];
        Assert.Equal(new PeriodCost(2, 0, 0m, 0.0125m, 1), auto.Week);
        Assert.Equal(auto.Week, auto.Today);
        Assert.Equal(0.01m, auto.Week.PerCase);
        // 2 actions × 12 min × 50 an hour = 20, plus the model's 0.25.
        var h = costs[1];
        Assert.Equal(new PeriodCost(1, 2, 20m, 0.25m, 0), h.Week);
        Assert.Equal(20.25m, h.Week.PerCase);

        // Eight days later nothing is within the week.
        _clock.Advance(TimeSpan.FromDays(8));
        Assert.Empty((await Alerts.SnapshotAsync(HandleTime)).Costs);
    }

    [Theory]
    [InlineData("""{"amount":-1,"currency":"USD"}""", "$.modelCost.amount")]
    [InlineData("""{"amount":0.0000001,"currency":"USD"}""", "$.modelCost.amount")]
    [InlineData("""{"amount":2000000,"currency":"USD"}""", "$.modelCost.amount")]
    [InlineData("""{"amount":1,"currency":"usd"}""", "$.modelCost.currency")]
    [InlineData("""{"amount":1,"currency":"DOLLAR"}""", "$.modelCost.currency")]
    public async Task A_bad_model_cost_is_refused_with_the_field_named_and_nothing_written(string cost, string field)
    {
        var body = Samples.Json(Samples.Queues);
        body["modelCost"] = JsonNode.Parse(cost);
        var before = await _app.RowCountsAsync();
        using var response = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await _app.RowCountsAsync());
    }

    [Fact]
    public async Task The_model_cost_is_stored_with_the_case()
    {
        var id = (await _app.SubmitJsonAsync(Samples.WithCost(Samples.Json(Samples.Queues), 0.004213m, "EUR"))).Id;
        var stored = await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => new { c.ModelCostAmount, c.ModelCostCurrency }).SingleAsync());
        Assert.Equal((0.004213m, "EUR"), (stored.ModelCostAmount, stored.ModelCostCurrency));
    }

    /// <summary>A billing refund above 5,000: the policy asks two approvals in finance.</summary>
    /// <summary>An approval of <see cref="FourEyes"/>: a tier-3 refund, so the amount is typed.</summary>
    private static ReviewActionRequest FourEyesApproval => Samples.Approval("017-") with { ConfirmedAmount = "6000" };

    private static JsonObject FourEyes()
    {
        var body = Samples.Json("017-");
        body["signals"]!["amount"] = 6000;
        body["proposal"]!["action"]!["parameters"]!["amount"] = 6000;
        return body;
    }
}
