using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workbench.Core.Cases;
using Workbench.Core.Serialization;
using Workbench.Data;
using Workbench.Web.Live;
using Workbench.Web.Retention;
using Workbench.Web.Review;
using Workbench.Web.Sla;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Audit;

/// <summary>
/// Retention: closed cases past their workflow's retention (support.refund 30 days, the default 365) lose their content
/// to "[purged]" with the SHA-256 of what went, one audit event each, and the audit chain still verifies. The clock is
/// a FakeTimeProvider; the tests sweep themselves.
/// </summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly WorkbenchFactory _app;

    public RetentionTests()
    {
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Retention:DefaultDays"] = "365",
                ["Retention:Workflows:support.refund:Days"] = "30",
            },
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(RetentionWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
    }

    public Task InitializeAsync()
    {
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private RetentionPurge Purge => _app.Services.GetRequiredService<RetentionPurge>();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    /// <summary>A support.refund case rejected by lena with a note, and its outcome reported with a note.</summary>
    private async Task<Guid> RejectedRefundAsync(HttpClient lena)
    {
        var id = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        Assert.Equal(HttpStatusCode.OK, (await lena.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }))).StatusCode);
        var act = await lena.PostAsync($"/api/v1/review/cases/{id}/actions",
            Json(new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", note = "Customer Jane Roe, card ending 4242" }));
        Assert.Equal(HttpStatusCode.OK, act.StatusCode);
        var outcome = await _app.ApiClient().PostAsync($"/api/v1/cases/{id}/outcome", Json(new { outcome = "correct", note = "Refund refused, Jane informed" }));
        Assert.True(outcome.IsSuccessStatusCode, await outcome.Content.ReadAsStringAsync());
        return id;
    }

    private async Task<Guid> ClosedFaqAsync()
    {
        var id = (await _app.SubmitSampleAsync("001-")).Id;
        var status = await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Status).SingleAsync());
        if (!CaseStateMachine.IsTerminal(status))
        {
            var withdraw = await _app.ApiClient().PostAsync($"/api/v1/cases/{id}/withdraw", Json(new { reason = "customer left" }));
            Assert.True(withdraw.IsSuccessStatusCode, await withdraw.Content.ReadAsStringAsync());
        }
        return id;
    }

    [Fact]
    public async Task Closed_cases_past_their_workflows_retention_are_masked_with_the_hash_of_what_went_and_the_chain_still_verifies()
    {
        var lena = await _app.SignedInAs("lena");
        var refund = await RejectedRefundAsync(lena);
        var faq = await ClosedFaqAsync();
        var open = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        var original = await _app.WithDbAsync(db => db.Cases.AsNoTracking().Include(c => c.Actions).SingleAsync(c => c.Id == refund));
        var originalOutcomes = await _app.WithDbAsync(db => db.DownstreamOutcomes.AsNoTracking().Where(o => o.CaseId == refund).ToListAsync());
        var expectedHash = RetentionPurge.Sha256(RetentionPurge.PurgedContent(original, original.Actions.OrderBy(a => a.Id), originalOutcomes));
        var request = JsonSerializer.Deserialize<CaseSubmission>(original.SubmissionJson, WorkbenchJson.Options)!.Request;

        _clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, (await Purge.SweepAsync()).Purged); // not yet

        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, (await Purge.SweepAsync()).Purged); // the refund (30 days); the FAQ has 365, the open case none

        var c = await _app.WithDbAsync(db => db.Cases.AsNoTracking().Include(x => x.Actions).SingleAsync(x => x.Id == refund));
        Assert.Equal(_clock.GetUtcNow(), c.PurgedAt);
        Assert.Equal(30, c.RetentionDays);
        Assert.Equal(expectedHash, c.PurgedContentSha256);
        // Gone: the request, the requester, evidence texts, the proposal, the note, the outcome's note.
        foreach (var text in new[] { request[..Math.Min(40, request.Length)], "Jane", original.RequesterId })
        {
            Assert.DoesNotContain(text, c.SubmissionJson + c.DecisionJson + c.RequestPreview + c.RequesterId, StringComparison.Ordinal);
        }
        Assert.Contains(ContentPurge.Marker, c.SubmissionJson);
        Assert.Equal(ContentPurge.Marker, Assert.Single(c.Actions, a => a.Kind == ReviewActionKind.Reject).Note);
        Assert.Equal(ContentPurge.Marker, await _app.WithDbAsync(db => db.DownstreamOutcomes.Where(o => o.CaseId == refund).Select(o => o.Note).SingleAsync()));
        // Kept: ids, status, times, reason codes, the decision, the evidence ids.
        Assert.Equal(original.Status, c.Status);
        Assert.Equal(original.ReasonCodes, c.ReasonCodes);
        Assert.Equal(original.CreatedAt, c.CreatedAt);
        Assert.Equal(original.DecidedAt, c.DecidedAt);
        Assert.Equal(original.ExternalId, c.ExternalId);
        var masked = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        var before = JsonSerializer.Deserialize<CaseSubmission>(original.SubmissionJson, WorkbenchJson.Options)!;
        Assert.Equal(before.Evidence.Select(e => e.Id), masked.Evidence.Select(e => e.Id));
        Assert.Equal(ContentPurge.Marker, masked.Request);

        var e = Assert.Single(await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(x => x.Type == "case.content_purged").ToListAsync()));
        Assert.Equal(refund, e.CaseId);
        Assert.Equal("retention", e.Actor);
        Assert.Contains(expectedHash, e.DataJson);
        Assert.Contains(RetentionPurge.Sha256(original.SubmissionJson), e.DataJson);

        var report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);

        // Untouched: the FAQ (365 days) and the open case.
        Assert.Null(await _app.WithDbAsync(db => db.Cases.Where(x => x.Id == faq).Select(x => x.PurgedAt).SingleAsync()));
        Assert.Null(await _app.WithDbAsync(db => db.Cases.Where(x => x.Id == open).Select(x => x.PurgedAt).SingleAsync()));

        // The reconstruction says so, with the hash, and its own chain check still passes (a fresh sign-in: a month went by).
        lena = await _app.SignedInAs("lena");
        var export = JsonDocument.Parse(await lena.GetStringAsync($"/api/v1/cases/{refund}/audit")).RootElement;
        Assert.Equal(expectedHash, export.GetProperty("contentPurged").GetProperty("contentSha256").GetString());
        Assert.Equal(30, export.GetProperty("contentPurged").GetProperty("retentionDays").GetInt32());
        Assert.True(export.GetProperty("chainIntact").GetBoolean());
        var page = await lena.GetStringAsync($"/cases/{refund}/audit");
        Assert.Contains("Content purged on", page);
        Assert.Contains("retention 30 days", page);
        Assert.Contains(expectedHash, page);

        _clock.Advance(TimeSpan.FromDays(340));
        Assert.Equal(1, (await Purge.SweepAsync()).Purged); // the FAQ, past 365 days
        Assert.Equal(365, await _app.WithDbAsync(db => db.Cases.Where(x => x.Id == faq).Select(x => x.RetentionDays).SingleAsync()));
        Assert.Equal(0, (await Purge.SweepAsync()).Purged); // nothing twice; the open case stays whole
        Assert.Null(await _app.WithDbAsync(db => db.Cases.Where(x => x.Id == open).Select(x => x.PurgedAt).SingleAsync()));
        report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);
    }

    [Fact]
    public async Task Two_instances_sweeping_at_once_purge_each_case_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await ClosedFaqAsync());
        }
        _clock.Advance(TimeSpan.FromDays(400));
        var s = _app.Services;
        RetentionPurge Another() => new(s.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), _clock,
            s.GetRequiredService<IOptionsMonitor<RetentionOptions>>(), s.GetRequiredService<CaseEvents>(), NullLogger<RetentionPurge>.Instance);

        var results = await Task.WhenAll(Another().SweepAsync(), Another().SweepAsync());
        Assert.Equal(ids.Count, results.Sum(r => r.Purged));
        var events = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(x => x.Type == "case.content_purged").Select(x => x.CaseId).ToListAsync());
        Assert.Equal(ids.Order(), events.Select(x => x!.Value).Order());
        var report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);
    }

    [Fact]
    public void A_negative_retention_is_refused_with_the_setting_named()
    {
        var options = new RetentionOptions { DefaultDays = 30, Workflows = { ["support.refund"] = new() { Days = -1 } } };
        Assert.Equal(["Retention:Workflows:support.refund:Days must be 0 or more days."], options.Validate());
        Assert.Equal(30, options.DaysFor("support.faq"));
        Assert.Null(new RetentionOptions().DaysFor("support.faq"));
    }
}
