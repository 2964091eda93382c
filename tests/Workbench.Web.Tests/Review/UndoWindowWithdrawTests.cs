using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Cases;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// During the undo window the AI system sees the case in review: what it may do to a case in review (withdraw it) it
/// may do then too, and nothing it reads (the case's updatedAt, <c>?updatedSince</c>) tells it a decision is waiting.
/// </summary>
public sealed partial class UndoWindowTests
{
    /// <summary>The status chip of the case page rita reads (server-rendered).</summary>
    private async Task<string> StatusOnCasePageAsync(Guid id)
    {
        var html = await _rita.GetStringAsync($"/cases/{id}");
        var at = html.IndexOf("data-status=\"", StringComparison.Ordinal);
        Assert.True(at >= 0, "the case page shows no status");
        var start = at + "data-status=\"".Length;
        return html[start..html.IndexOf('"', start)];
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> WithdrawAsync(Guid id) =>
        PostRawAsync(_agent, $"/api/v1/cases/{id}/withdraw", new { reason = "The customer cancelled." });

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostRawAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsync(path, Body(body));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task A_withdraw_during_the_window_withdraws_the_case_takes_the_held_decision_back_and_nothing_is_ever_sent()
    {
        var id = await SubmitAsync();
        await DecideAsync(id);
        _clock.Advance(TimeSpan.FromSeconds(4));

        var (status, withdrawn) = await WithdrawAsync(id);

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {withdrawn}");
        Assert.Equal("withdrawn", withdrawn.GetProperty("status").GetString());
        Assert.False(withdrawn.TryGetProperty("decision", out var none) && none.ValueKind != JsonValueKind.Null);
        Assert.Equal("withdrawn", await StatusOnCasePageAsync(id));
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseWithdrawn, id).Count > 0), Limit, "the withdrawal acknowledged");
        await DispatcherPassedAsync();
        Assert.Empty(Delivered(WebhookEventTypes.CaseDecided, id));
        var (_, view) = await GetAsync($"/api/v1/cases/{id}");
        Assert.Equal("withdrawn", view.GetProperty("status").GetString());
        Assert.False(view.TryGetProperty("decision", out var stillNone) && stillNone.ValueKind != JsonValueKind.Null);
        var stored = await _app.WithDbAsync(async db => new
        {
            Case = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == id),
            Decided = await db.OutboxEvents.CountAsync(e => e.CaseId == id && e.Type == WebhookEventTypes.CaseDecided),
            Actions = await db.ReviewActions.CountAsync(a => a.CaseId == id && a.Kind == ReviewActionKind.Approve),
            Audit = await db.AuditEvents.Where(a => a.CaseId == id).OrderBy(a => a.Id).Select(a => new { a.Type, a.Actor }).ToListAsync(),
        });
        Assert.Equal((CaseStatus.Withdrawn, null, null, null), (stored.Case.Status, stored.Case.Decision, stored.Case.DecisionJson, stored.Case.ReleaseAt));
        Assert.Equal((0, 0), (stored.Decided, stored.Actions));
        // Audited as both, in order: the decision taken back by the withdrawal, then the withdrawal.
        Assert.Equal([AuditEventTypes.CaseDecided, AuditEventTypes.CaseDecisionUndone, AuditEventTypes.CaseWithdrawn],
            stored.Audit.Select(a => a.Type).Where(t => t is AuditEventTypes.CaseDecided or AuditEventTypes.CaseDecisionUndone or AuditEventTypes.CaseWithdrawn));
        Assert.All(stored.Audit.Where(a => a.Type is AuditEventTypes.CaseDecisionUndone or AuditEventTypes.CaseWithdrawn),
            a => Assert.NotEqual("rita", a.Actor));
        // Rita cannot undo what is no longer there.
        var undo = await PostRawAsync(_rita, $"/api/v1/review/cases/{id}/undo", new { });
        Assert.Equal(HttpStatusCode.Conflict, undo.Status);
    }

    [Fact]
    public async Task A_withdraw_the_release_overtook_is_refused_as_for_any_decided_case_and_changes_nothing()
    {
        var after = await SubmitAsync();
        await DecideAsync(after);
        var raced = await SubmitAsync();
        await DecideAsync(raced);
        // The race, in order: a dispatcher whose clock has reached the end of the window releases the decisions' events,
        // then the withdrawal arrives while the app's clock (the one the withdrawal reads) is still a second inside it.
        await ReleasedByALaterDispatcherAsync(raced);

        var (racedStatus, racedProblem) = await WithdrawAsync(raced);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var (afterStatus, afterProblem) = await WithdrawAsync(after);

        foreach (var (status, problem) in new[] { (racedStatus, racedProblem), (afterStatus, afterProblem) })
        {
            Assert.True(status == HttpStatusCode.Conflict, $"{(int)status} {problem}");
            Assert.Equal(ProblemTypes.IllegalTransition, problem.GetProperty("type").GetString());
            Assert.Equal(new IllegalTransitionException(CaseStatus.Decided, CaseTrigger.Withdraw).Message, problem.GetProperty("detail").GetString());
        }
        foreach (var id in new[] { raced, after })
        {
            var stored = await _app.WithDbAsync(async db => new
            {
                (await db.Cases.AsNoTracking().SingleAsync(c => c.Id == id)).Status,
                Undone = await db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == AuditEventTypes.CaseDecisionUndone),
                Withdrawn = await db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == AuditEventTypes.CaseWithdrawn),
            });
            Assert.Equal((CaseStatus.Decided, 0, 0), (stored.Status, stored.Undone, stored.Withdrawn));
            await Eventually(() => Task.FromResult(Delivered(WebhookEventTypes.CaseDecided, id).Count > 0), Limit, "the decision delivered");
        }
    }

    private async Task<List<JsonElement>> UpdatedSinceAsync(DateTimeOffset since)
    {
        var (code, body) = await GetAsync($"/api/v1/cases?limit=100&updatedSince={Uri.EscapeDataString(since.ToString("O"))}");
        Assert.Equal(HttpStatusCode.OK, code);
        return body.GetProperty("items").EnumerateArray().ToList();
    }

    [Fact]
    public async Task A_held_decision_shows_the_last_change_the_ai_system_saw_as_updatedAt_and_after_the_release_the_release_time()
    {
        var id = await SubmitAsync();
        await PostAsync(_rita, $"/api/v1/review/cases/{id}/claim", new { }, HttpStatusCode.OK);
        var claimed = (await GetAsync($"/api/v1/cases/{id}")).Body.GetProperty("updatedAt").GetDateTimeOffset();
        _clock.Advance(TimeSpan.FromSeconds(3));
        var decidedAt = _clock.GetUtcNow();
        var decided = await PostAsync(_rita, $"/api/v1/review/cases/{id}/actions", Samples.ApprovalBody(Samples.Queues).ToJsonString(), HttpStatusCode.OK);
        var releaseAt = decided.GetProperty("releaseAt").GetDateTimeOffset();
        _clock.Advance(TimeSpan.FromSeconds(2));

        // During the window: the claim is the last change it saw; a poll since the decision finds nothing new.
        var (_, held) = await GetAsync($"/api/v1/cases/{id}");
        Assert.Equal(("in_review", claimed), (held.GetProperty("status").GetString(), held.GetProperty("updatedAt").GetDateTimeOffset()));
        Assert.DoesNotContain(await UpdatedSinceAsync(decidedAt), i => i.GetProperty("id").GetGuid() == id);
        var sinceClaim = Assert.Single(await UpdatedSinceAsync(claimed), i => i.GetProperty("id").GetGuid() == id);
        Assert.Equal(("in_review", claimed), (sinceClaim.GetProperty("status").GetString(), sinceClaim.GetProperty("updatedAt").GetDateTimeOffset()));
        var polledAt = _clock.GetUtcNow();

        _clock.Advance(Window);

        // After it: the decision is new since the poll made during the window, and it is dated at its release.
        var (_, released) = await GetAsync($"/api/v1/cases/{id}");
        Assert.Equal(("decided", releaseAt), (released.GetProperty("status").GetString(), released.GetProperty("updatedAt").GetDateTimeOffset()));
        var sincePoll = Assert.Single(await UpdatedSinceAsync(polledAt), i => i.GetProperty("id").GetGuid() == id);
        Assert.Equal("decided", sincePoll.GetProperty("status").GetString());
    }
}
