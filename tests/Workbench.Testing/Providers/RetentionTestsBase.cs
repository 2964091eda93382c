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
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Cases;
using Workbench.Web.Http;
using Workbench.Web.Retention;
using Workbench.Web.Review;
using Workbench.Web.Sla;
using Workbench.Web.Webhooks;

namespace Workbench.Testing.Providers;

/// <summary>
/// Retention: closed cases past their workflow's retention (support.refund 30 days, the default 365) lose their content
/// to "[purged]" with the SHA-256 of what went, one audit event each, and the audit chain still verifies. The clock is
/// a FakeTimeProvider; the tests sweep themselves. The tests of the base run on SQLite (the web tests, with more of
/// their own) and on PostgreSQL (the system tests).
/// </summary>
public abstract class RetentionTestsBase : IAsyncLifetime
{
    protected readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    protected WorkbenchFactory _app = null!;

    /// <summary>The provider's settings (database).</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public Task InitializeAsync()
    {
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Retention:DefaultDays"] = "365",
                ["Retention:Workflows:support.refund:Days"] = "30",
                ["Audit:Verification:Enabled"] = "false",
            },
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(RetentionWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(SlaMonitorWorker)));
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
        Configure(_app.Settings);
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    protected RetentionPurge Purge => _app.Services.GetRequiredService<RetentionPurge>();

    protected static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    /// <summary>A support.refund case rejected by lena with a note, and its outcome reported with a note.</summary>
    protected async Task<Guid> RejectedRefundAsync(HttpClient lena)
    {
        var id = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        Assert.Equal(HttpStatusCode.OK, (await lena.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }))).StatusCode);
        var act = await lena.PostAsync($"/api/v1/review/cases/{id}/actions",
            Json(new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", note = "Customer Jane Roe, card ending 4242", rootCause = "retrieval_conflict" }));
        Assert.Equal(HttpStatusCode.OK, act.StatusCode);
        var outcome = await _app.ApiClient().PostAsync($"/api/v1/cases/{id}/outcome", Json(new { outcome = "correct", note = "Refund refused, Jane informed" }));
        Assert.True(outcome.IsSuccessStatusCode, await outcome.Content.ReadAsStringAsync());
        return id;
    }

    protected async Task<Guid> ClosedFaqAsync()
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

    /// <summary>Every column of every table (whatever its declared type, read as text) that holds the marker, as "table.column".</summary>
    protected Task<List<string>> ColumnsHoldingAsync(string marker) => _app.WithDbAsync(async db =>
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var sqlite = db.Database.IsSqlite();
        var columns = new List<(string Table, string Column)>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = sqlite
                ? "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
                : "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()";
            await using var r = await list.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                columns.Add((r.GetString(0), r.GetString(1)));
            }
        }
        Assert.True(columns.Count > 100, $"only {columns.Count} columns found");
        var holding = new List<string>();
        foreach (var (table, column) in columns)
        {
            await using var count = connection.CreateCommand();
            count.CommandText = sqlite
                ? $"SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), $m) > 0"
                : $"SELECT COUNT(*) FROM \"{table}\" WHERE strpos(CAST(\"{column}\" AS text), @m) > 0";
            var p = count.CreateParameter();
            p.ParameterName = sqlite ? "$m" : "@m";
            p.Value = marker;
            count.Parameters.Add(p);
            if (Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                holding.Add($"{table}.{column}");
            }
        }
        return holding;
    });

    /// <summary>
    /// A support.refund case whose every free text carries the marker: the request and requester id, a reviewer's
    /// question, the AI system's reply, a route note, the final (edited) text, an edited template variable and the
    /// approval note, the outcome note, an internal note that mentions the lead; its webhook events (info requested, decided) delivered to a real receiver.
    /// </summary>
    protected async Task<Guid> MarkedCaseAsync(string marker, WebhookReceiver receiver)
    {
        await _app.EndpointAsync(receiver.Url());
        var json = Samples.Json(Samples.Queues);
        json["request"] = json["request"]!.GetValue<string>() + " " + marker + " request";
        json["requester"]!["id"] = marker + "-requester";
        var submitted = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var lena = WebhookTestKit.Lena;
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(lena, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(lena, id, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = marker + " question" }));
        var reply = await _app.ApiClient().PostAsync($"/api/v1/cases/{id}/replies", Json(new { message = marker + " reply", signals = new { amount = 120 } }));
        Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(lena, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(lena, id, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "finance", Note = marker + " route note" }));
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(lena, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(lena, id, Samples.Approval(Samples.Queues, ReviewActionKind.ApproveWithEdits) with
        {
            EditedResponse = marker + " final text {{customer_name}}",
            EditedVariables = new Dictionary<string, string> { ["customer_name"] = marker + " variable" },
            Note = marker + " approval note",
        }));
        Assert.Equal(CaseStatus.Decided, await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Status).SingleAsync()));
        var outcome = await _app.ApiClient().PostAsync($"/api/v1/cases/{id}/outcome", Json(new { outcome = "correct", note = marker + " outcome" }));
        Assert.True(outcome.IsSuccessStatusCode, await outcome.Content.ReadAsStringAsync());
        var note = await (await _app.SignedInAs("lena")).PostAsync($"/api/v1/review/cases/{id}/notes", Json(new { text = marker + " internal note @lena" }));
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        await WebhookTestKit.Eventually(async () => await _app.WithDbAsync(db =>
                db.WebhookDeliveries.CountAsync(d => d.CaseId == id && d.Status == DeliveryStatus.Delivered)) == 2,
            TimeSpan.FromSeconds(30), "the info_requested and decided events delivered");
        return id;
    }

    [Fact]
    public async Task After_the_purge_no_column_of_any_table_holds_the_cases_free_text_and_the_chain_and_the_reconstruction_still_hold()
    {
        var marker = "MRK" + Guid.NewGuid().ToString("N")[..16];
        // A receiver that echoes what it got: its answers, kept as the attempts' first 4 KiB, hold the case's texts too.
        await using var receiver = new WebhookReceiver { Answer = _ => 200, AnswerBody = r => "received " + r.Body };
        await receiver.StartAsync();
        var id = await MarkedCaseAsync(marker, receiver);
        Assert.Contains(receiver.Succeeded, r => r.Body.Contains(marker + " final text", StringComparison.Ordinal)); // the AI system got its decision

        // Before: the texts are where the case and the side table keep them — and no longer in the chained events.
        var before = await ColumnsHoldingAsync(marker);
        foreach (var table in new[] { "cases.", "audit_texts.Text", "outbox_events.Body", "review_actions.", "downstream_outcomes.Note", "case_notes.Text",
                     "webhook_attempts.ResponseBody" })
        {
            Assert.Contains(before, c => c.StartsWith(table, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(before, c => c.StartsWith("audit_events.", StringComparison.Ordinal));
        var texts = await _app.WithDbAsync(db => db.AuditTexts.AsNoTracking().Where(t => t.CaseId == id).OrderBy(t => t.Id).ToListAsync());
        Assert.Equal(["details.question", "details.message", "details.signals", "details.note", "note", "note"], texts.Select(t => t.Field));
        // The reviewer's case page shows the agent's reply under its event while the text exists, and nothing once purged.
        var details = _app.Services.GetRequiredService<CaseDetails>();
        var viewer = new ReviewerIdentity("lena", true, null);
        Assert.Equal([marker + " reply"], (await details.LoadAsync(id, viewer))!.Replies.Values);

        _clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, (await Purge.SweepAsync()).Purged);
        Assert.Empty((await details.LoadAsync(id, viewer))!.Replies);

        Assert.Empty(await ColumnsHoldingAsync(marker));
        Assert.All(await _app.WithDbAsync(db => db.AuditTexts.AsNoTracking().Where(t => t.CaseId == id).ToListAsync()), t =>
        {
            Assert.Null(t.Text);
            Assert.Null(t.Salt);
            Assert.Equal(_clock.GetUtcNow(), t.PurgedAt);
        });
        var outbox = await _app.WithDbAsync(db => db.OutboxEvents.AsNoTracking().Where(e => e.CaseId == id).ToListAsync());
        Assert.Equal(2, outbox.Count);
        Assert.All(outbox, e => Assert.Equal(_clock.GetUtcNow(), e.PurgedAt));
        var decided = JsonDocument.Parse(outbox.Single(e => e.Type == "case.decided").Body).RootElement;
        Assert.Equal(id, decided.GetProperty("data").GetProperty("caseId").GetGuid());
        Assert.Equal("approved_with_edits", decided.GetProperty("data").GetProperty("decision").GetString());
        Assert.Equal(ContentPurge.Marker, decided.GetProperty("data").GetProperty("responseText").GetString());

        var report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);

        // The reconstruction: each text "purged", with the digest the chain holds.
        var lena = await _app.SignedInAs("lena");
        var export = JsonDocument.Parse(await lena.GetStringAsync($"/api/v1/cases/{id}/audit")).RootElement;
        Assert.True(export.GetProperty("chainIntact").GetBoolean());
        var exported = export.GetProperty("events").EnumerateArray().SelectMany(e => e.GetProperty("texts").EnumerateArray()).ToList();
        Assert.Equal(texts.Count, exported.Count);
        Assert.All(exported, t =>
        {
            Assert.Equal("purged", t.GetProperty("status").GetString());
            Assert.False(t.TryGetProperty("text", out _));
            Assert.Contains(texts, x => x.Ref == t.GetProperty("ref").GetString() && x.Sha256 == t.GetProperty("sha256").GetString());
        });
        var page = await lena.GetStringAsync($"/cases/{id}/audit");
        Assert.Contains("purged on", page);
        Assert.Contains(texts[0].Sha256, page);
        Assert.DoesNotContain(marker, page);

        // The side table is purge-only in the database: a purged text cannot be written back.
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => _app.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("UPDATE audit_texts SET \"Text\" = 'restored' WHERE \"Ref\" = {0}", texts[0].Ref)));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => _app.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("DELETE FROM audit_texts WHERE \"Ref\" = {0}", texts[0].Ref)));

        // A purged event is never sent again.
        var delivery = await _app.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.CaseId == id).Select(d => d.Id).FirstAsync());
        await _app.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.Id == delivery).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Dead)));
        var replay = await _app.Services.GetRequiredService<WebhookAdmin>().ReplayAsync(delivery, "adam");
        var refused = Assert.IsType<AdminResult<DeliveryView>.Invalid>(replay);
        Assert.Contains("purged by retention", refused.Errors["$.id"][0]);
        // Made due behind the admin's back (a replay racing the purge): the dispatcher dead-letters it unsent.
        var sent = receiver.Received.Count;
        await _app.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.Id == delivery).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, DeliveryStatus.Pending).SetProperty(d => d.NextAttemptAt, _clock.GetUtcNow())));
        _app.Services.GetRequiredService<WebhookDispatcher>().Wake();
        async Task<bool> DeadLetteredAsPurged()
        {
            var d = await _app.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(x => x.Id == delivery));
            return d.Status == DeliveryStatus.Dead && d.LastError?.Contains("purged by retention", StringComparison.Ordinal) == true;
        }
        await WebhookTestKit.Eventually(DeadLetteredAsPurged, TimeSpan.FromSeconds(30), "the purged event's delivery dead-lettered");
        Assert.Equal(sent, receiver.Received.Count);
    }
}
