using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Policy;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Testing.Providers;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Http;
using Workbench.Web.Retention;
using Workbench.Web.Review;
using Workbench.Web.Sla;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Tests.Retention;

public sealed class RetentionTests : RetentionTestsBase
{
    /// <summary>The action's parameters as the stored rule trace keeps them (the policy's <c>action.parameters_text</c>).</summary>
    private Task<string?> TracedParametersAsync(Guid id) => _app.WithDbAsync(async db =>
        JsonSerializer.Deserialize<List<RuleTrace>>(await db.PolicyEvaluations.Where(e => e.CaseId == id).Select(e => e.TraceJson).SingleAsync(), WorkbenchJson.Options)!
            .SelectMany(t => t.Values).FirstOrDefault(v => v.Name == "action.parameters_text")?.Value);

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
        var tracedParameters = await TracedParametersAsync(refund);
        Assert.False(string.IsNullOrEmpty(tracedParameters) || tracedParameters == ContentPurge.Marker, tracedParameters);

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
        Assert.Equal(ContentPurge.Marker, await TracedParametersAsync(refund)); // what the action's parameters said, as the policy read it
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

    /// <summary>
    /// The files of the SQLite database (the file and its -wal; -shm holds only the WAL index) whose raw bytes hold the
    /// marker, UTF-8 or UTF-16: what an auditor grepping the disk would find, free pages and old WAL frames included.
    /// </summary>
    private List<string> FilesHolding(string marker)
    {
        var forms = new[] { Encoding.UTF8.GetBytes(marker), Encoding.Unicode.GetBytes(marker), Encoding.BigEndianUnicode.GetBytes(marker) };
        var holding = new List<string>();
        foreach (var path in new[] { _app.DatabasePath, _app.DatabasePath + "-wal" })
        {
            if (!File.Exists(path))
            {
                continue;
            }
            byte[] bytes;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                file.CopyTo(copy);
                bytes = copy.ToArray();
            }
            if (forms.Any(f => bytes.AsSpan().IndexOf(f) >= 0))
            {
                holding.Add(Path.GetFileName(path));
            }
        }
        return holding;
    }

    [Fact]
    public async Task After_the_purge_sweep_neither_the_SQLite_file_nor_its_wal_holds_a_copy_of_the_cases_free_text()
    {
        var marker = "MRK" + Guid.NewGuid().ToString("N")[..16];
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await MarkedCaseAsync(marker, receiver); // claimed, asked, replied, routed, decided, outcome: the case row rewritten many times

        // Before: the text is in the database file itself (checkpointed from the WAL), not only in the WAL.
        await _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);"));
        Assert.Contains("workbench.db", FilesHolding(marker));

        _clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, (await Purge.SweepAsync()).Purged);

        Assert.Empty(await ColumnsHoldingAsync(marker));
        Assert.Empty(FilesHolding(marker)); // no copy in freed cells, free pages or old WAL frames
    }

    [Fact]
    public void A_negative_retention_is_refused_with_the_setting_named()
    {
        var options = new RetentionOptions { DefaultDays = 30, Workflows = { ["support.refund"] = new() { Days = -1 } } };
        Assert.Equal(["Retention:Workflows:support.refund:Days must be 0 or more days."], options.Validate());
        Assert.Equal(30, options.DaysFor("support.faq"));
        Assert.Null(new RetentionOptions().DaysFor("support.faq"));
    }

    // The side texts before any purge: shown in the reconstruction, checked against the chain, purge-only (SQLite).
    [Fact]
    public async Task Before_the_purge_the_reconstruction_shows_each_side_text_checked_against_the_digest_in_the_chain()
    {
        var lena = await _app.SignedInAs("lena");
        var id = await RejectedRefundAsync(lena);
        var note = "Customer Jane Roe, card ending 4242";
        var t = await _app.WithDbAsync(db => db.AuditTexts.AsNoTracking().SingleAsync(x => x.CaseId == id && x.Field == "details.note"));
        var decided = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.CaseId == id && e.Type == "case.decided"));
        Assert.Equal(note, t.Text);
        Assert.Equal(AuditTexts.Digest(t.Salt!, note), t.Sha256);
        Assert.DoesNotContain("Jane", decided.DataJson, StringComparison.Ordinal); // the chained event holds the reference and digest only
        Assert.Contains($"\"note\":{{\"textRef\":\"{t.Ref}\",\"sha256\":\"{t.Sha256}\"}}", decided.DataJson, StringComparison.Ordinal);
        Assert.Equal(decided.Id, t.AuditEventId);

        var export = JsonDocument.Parse(await lena.GetStringAsync($"/api/v1/cases/{id}/audit")).RootElement;
        var shown = export.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("type").GetString() == "case.decided")
            .GetProperty("texts").EnumerateArray().Single();
        Assert.Equal("present", shown.GetProperty("status").GetString());
        Assert.Equal(note, shown.GetProperty("text").GetString());
        Assert.Equal("details.note", shown.GetProperty("field").GetString());
        var page = await lena.GetStringAsync($"/cases/{id}/audit");
        Assert.Contains("data-status=\"present\"", page);
        Assert.Contains(note, page);

        // The table is purge-only: a changed text is refused by the database…
        var refused = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => _app.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("UPDATE audit_texts SET \"Text\" = 'approved, no issue' WHERE \"Id\" = {0}", t.Id)));
        Assert.Contains("can only be purged", refused.Message);
        // …and one changed behind the triggers' back no longer matches the chained digest: shown as altered, not as the text.
        await _app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync(AuditTextSql.Sqlite.Down);
            return await db.Database.ExecuteSqlRawAsync("UPDATE audit_texts SET \"Text\" = 'approved, no issue' WHERE \"Id\" = {0}", t.Id);
        });
        export = JsonDocument.Parse(await lena.GetStringAsync($"/api/v1/cases/{id}/audit")).RootElement;
        shown = export.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("type").GetString() == "case.decided")
            .GetProperty("texts").EnumerateArray().Single();
        Assert.Equal("altered", shown.GetProperty("status").GetString());
        Assert.False(shown.TryGetProperty("text", out _));
        page = await lena.GetStringAsync($"/cases/{id}/audit");
        Assert.DoesNotContain("approved, no issue", page);
        Assert.Contains("does not match the digest in the chain", page);
    }

    [Fact]
    public async Task A_webhook_event_still_owed_to_the_AI_system_is_left_by_the_purge_delivered_whole_and_masked_by_a_later_sweep()
    {
        await using var receiver = new WebhookReceiver { Answer = _ => 500 };
        await receiver.StartAsync();
        var endpoint = (await _app.EndpointAsync(receiver.Url())).Endpoint;
        var lena = await _app.SignedInAs("lena");
        var id = await RejectedRefundAsync(lena);
        var admin = _app.Services.GetRequiredService<WebhookAdmin>();
        // The delivery row appears only once the dispatcher has fanned the event out: absent until then, not an error.
        await WebhookTestKit.Eventually(async () =>
            (await _app.WithDbAsync(db => db.WebhookDeliveries.SingleOrDefaultAsync(d => d.CaseId == id)))?.Attempts > 0,
            TimeSpan.FromSeconds(30), "a first failed attempt");
        Assert.IsType<AdminResult<EndpointView>.Ok>(await admin.SetEnabledAsync(endpoint.Id, false, "adam")); // holds the delivery pending

        _clock.Advance(TimeSpan.FromDays(31));
        var sweep = await Purge.SweepAsync();
        Assert.Equal((1, 0), (sweep.Purged, sweep.OutboxMasked));
        var e = await _app.WithDbAsync(db => db.OutboxEvents.AsNoTracking().SingleAsync(x => x.CaseId == id));
        Assert.Null(e.PurgedAt);
        Assert.Contains("Jane Roe", e.Body, StringComparison.Ordinal); // still owed as it was
        Assert.Equal(0, (await Purge.SweepAsync()).OutboxMasked); // still pending: left again

        receiver.Answer = _ => 204;
        Assert.IsType<AdminResult<EndpointView>.Ok>(await admin.SetEnabledAsync(endpoint.Id, true, "adam"));
        await WebhookTestKit.Eventually(async () => (await _app.WithDbAsync(db => db.WebhookDeliveries.SingleAsync(d => d.CaseId == id))).Status == DeliveryStatus.Delivered,
            TimeSpan.FromSeconds(30), "the delivery made once the endpoint is back");
        Assert.Contains(receiver.Succeeded, r => r.Body.Contains("Jane Roe", StringComparison.Ordinal)); // the AI system got the whole decision

        Assert.Equal(1, (await Purge.SweepAsync()).OutboxMasked);
        e = await _app.WithDbAsync(db => db.OutboxEvents.AsNoTracking().SingleAsync(x => x.CaseId == id));
        Assert.NotNull(e.PurgedAt);
        Assert.DoesNotContain("Jane", e.Body, StringComparison.Ordinal);
        Assert.Equal(0, (await Purge.SweepAsync()).OutboxMasked);
        var report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);
    }

    /// <summary>
    /// Attempts are deleted by age (<c>Retention:WebhookAttemptDays</c>, 30 by default), not only with their delivery's
    /// cascade: a delivery that stays (it is the AI system's record of what it was sent) loses the attempts past 30 days
    /// and keeps the newer ones, whatever the case's own retention.
    /// </summary>
    [Fact]
    public async Task Webhook_attempts_past_their_days_are_deleted_by_the_sweep_and_newer_ones_and_their_delivery_are_kept()
    {
        var now = _clock.GetUtcNow();
        var ages = new[] { 45, 31, 29, 1, 0 };
        var delivery = await _app.WithDbAsync(async db =>
        {
            var e = new OutboxEventRecord { MessageId = "msg_retention", Type = "webhook.test", ClientId = "demo-agent", Body = "{}", CreatedAt = now.AddDays(-45), FannedOutAt = now.AddDays(-45) };
            db.OutboxEvents.Add(e);
            await db.SaveChangesAsync();
            var d = new WebhookDeliveryRecord
            {
                EventId = e.Id, MessageId = e.MessageId, Type = e.Type, ClientId = e.ClientId, TargetKey = "test", Url = "https://agent.example.com/hooks",
                Status = DeliveryStatus.Dead, Attempts = ages.Length, CreatedAt = e.CreatedAt, NextAttemptAt = now, RetryUntil = now,
            };
            db.WebhookDeliveries.Add(d);
            await db.SaveChangesAsync();
            db.WebhookAttempts.AddRange(ages.Select(days => new WebhookAttemptRecord
            {
                DeliveryId = d.Id, At = now.AddDays(-days), StatusCode = 500, LatencyMs = 12, ResponseBody = $"down {days} days ago", Error = "HTTP 500",
            }));
            await db.SaveChangesAsync();
            return d.Id;
        });

        var result = await Purge.SweepAsync();

        // Past 30 days: the attempts of 45 and 31 days ago. Kept: 29, 1 and 0 days ago, and the delivery itself.
        Assert.Equal(ages.Count(d => d > 30), result.AttemptsDeleted);
        var left = await _app.WithDbAsync(db => db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == delivery).OrderBy(a => a.At).ToListAsync());
        Assert.Equal(ages.Where(d => d <= 30).Select(d => now.AddDays(-d)), left.Select(a => a.At));
        Assert.True(await _app.WithDbAsync(db => db.WebhookDeliveries.AnyAsync(d => d.Id == delivery)));

        // Two days on, the one of 29 days is past 30 as well.
        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, (await Purge.SweepAsync()).AttemptsDeleted);
        Assert.Equal(2, await _app.WithDbAsync(db => db.WebhookAttempts.CountAsync(a => a.DeliveryId == delivery)));
    }
}
