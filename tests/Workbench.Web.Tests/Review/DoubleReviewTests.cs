using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Learning;
using Workbench.Web.Learning;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// Blind double review against the real app: every queued case is sampled (share 1), rita decides in the support queue,
/// mia gives the blind second review. The first decision takes effect; the second reviewer never sees it before her verdict.
/// </summary>
public sealed class DoubleReviewTests : IAsyncLifetime
{
    private const string EditMarker = "EDITED-BY-FIRST-7731";
    private const string NoteMarker = "NOTE-BY-FIRST-4410";

    private readonly WorkbenchFactory _app = new() { Settings = { ["Learning:DoubleReview:Share"] = "1" } };

    public async Task InitializeAsync() => await Task.Run(() => _ = _app.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    /// <summary>A case submitted through the API, moved to the support queue (rita and mia both work it) with one approval needed.</summary>
    private async Task<Guid> QueuedSupportCaseAsync()
    {
        var id = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        await _app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == id);
            c.Queue = "support";
            c.ApprovalsRequired = 1;
            return await db.SaveChangesAsync();
        });
        return id;
    }

    private static System.Text.Json.Nodes.JsonObject ApprovalWithEdits(string text, string note)
    {
        var body = Samples.ApprovalBody(Samples.Queues, "approve_with_edits", note);
        body["editedResponse"] = text;
        return body;
    }

    private static async Task DecideAsync(HttpClient reviewer, Guid id, object action)
    {
        Assert.Equal(HttpStatusCode.OK, (await reviewer.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }))).StatusCode);
        using var act = await reviewer.PostAsync($"/api/v1/review/cases/{id}/actions", Json(action));
        Assert.True(act.StatusCode == HttpStatusCode.OK, await act.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> VerdictAsync(HttpClient reviewer, Guid id, object verdict, HttpStatusCode expected)
    {
        using var response = await reviewer.PostAsync($"/api/v1/review/double-reviews/{id}/verdict", Json(verdict));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Queued_cases_are_sampled_at_intake_and_a_proceed_case_is_not()
    {
        var queued = await _app.SubmitSampleAsync(Samples.Queues);
        var proceeded = await _app.SubmitSampleAsync(Samples.Proceeds);
        var flags = await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == queued.Id || c.Id == proceeded.Id).ToDictionaryAsync(c => c.Id, c => c.DoubleReview));
        Assert.True(flags[queued.Id]);
        Assert.False(flags[proceeded.Id]);
        Assert.False(await _app.WithDbAsync(db => db.DoubleReviews.AnyAsync(d => d.CaseId == queued.Id))); // not before the first decision
    }

    [Fact]
    public async Task The_first_decision_takes_effect_and_the_case_waits_for_a_second_reviewer_who_did_not_act_on_it()
    {
        var id = await QueuedSupportCaseAsync();
        using var rita = await _app.SignedInAs("rita");
        using var mia = await _app.SignedInAs("mia");
        await DecideAsync(rita, id, Samples.ApprovalBody(Samples.Queues));

        // Delivered as usual: the AI system has its decision now, not after the second review.
        using var decision = await _app.ApiClient().GetAsync($"/api/v1/cases/{id}/decision");
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.Equal(DecisionKind.Approved, (await decision.Content.ReadFromJsonAsync<DecisionView>(WorkbenchJson.Options))!.Decision);

        var forMia = await mia.GetFromJsonAsync<JsonElement>("/api/v1/review/double-reviews");
        Assert.Contains(forMia.EnumerateArray(), p => p.GetProperty("caseId").GetGuid() == id);
        var forRita = await rita.GetFromJsonAsync<JsonElement>("/api/v1/review/double-reviews");
        Assert.DoesNotContain(forRita.EnumerateArray(), p => p.GetProperty("caseId").GetGuid() == id);
        // The first reviewer can neither see the blind view nor give the second verdict.
        Assert.Equal(HttpStatusCode.NotFound, (await rita.GetAsync($"/api/v1/review/double-reviews/{id}")).StatusCode);
        await VerdictAsync(rita, id, new { verdict = "approve" }, HttpStatusCode.NotFound);
        // felix works finance only.
        using var felix = await _app.SignedInAs("felix");
        await VerdictAsync(felix, id, new { verdict = "approve" }, HttpStatusCode.NotFound);

        var recorded = await VerdictAsync(mia, id, new { verdict = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", note = "conflicting sources" }, HttpStatusCode.OK);
        Assert.Equal("rejected", recorded.GetProperty("verdict").GetString());
        var again = await VerdictAsync(mia, id, new { verdict = "approve" }, HttpStatusCode.Conflict);
        Assert.Equal("urn:workbench:problem:double-review-done", again.GetProperty("type").GetString());
        using var lena = await _app.SignedInAs("lena");
        await VerdictAsync(lena, id, new { verdict = "approve" }, HttpStatusCode.NotFound);

        // The verdict is a label only: the case keeps its decision, and the audit says who gave the second review.
        var c = await _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(x => x.Id == id));
        Assert.Equal(DecisionKind.Approved, c.Decision);
        Assert.Equal(CaseStatus.Decided, c.Status);
        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.CaseId == id && e.Type == "case.double_reviewed"));
        Assert.Equal("mia", audit.Actor);
    }

    [Fact]
    public async Task The_second_reviewer_sees_nothing_of_the_first_review_until_her_verdict_is_in()
    {
        var id = await QueuedSupportCaseAsync();
        using var rita = await _app.SignedInAs("rita");
        using var mia = await _app.SignedInAs("mia");
        await DecideAsync(rita, id, ApprovalWithEdits($"Dear customer, {EditMarker}.", NoteMarker));

        var blindApi = await mia.GetStringAsync($"/api/v1/review/double-reviews/{id}");
        var list = await mia.GetStringAsync("/api/v1/review/double-reviews");
        var blindPage = await mia.GetStringAsync($"/double-reviews/{id}");
        var casePage = await mia.GetStringAsync($"/cases/{id}");
        var auditPage = await mia.GetStringAsync($"/cases/{id}/audit");
        foreach (var (what, text) in new[] { ("blind API", blindApi), ("pending list", list), ("blind page", blindPage), ("case page", casePage), ("case audit page", auditPage) })
        {
            Assert.False(text.Contains(EditMarker, StringComparison.Ordinal), $"{what} shows the first reviewer's edit");
            Assert.False(text.Contains(NoteMarker, StringComparison.Ordinal), $"{what} shows the first reviewer's note");
            Assert.False(text.Contains("approved_with_edits", StringComparison.Ordinal) || text.Contains("approved with edits", StringComparison.OrdinalIgnoreCase),
                $"{what} shows the first decision");
            Assert.False(System.Text.RegularExpressions.Regex.IsMatch(text, @"\brita\b"), $"{what} names the first reviewer");
        }
        // Nor does a refused claim or action on the decided case carry its state to her.
        using var claim = await mia.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }));
        using var act = await mia.PostAsync($"/api/v1/review/cases/{id}/actions", Json(Samples.ApprovalBody(Samples.Queues)));
        foreach (var refused in new[] { claim, act })
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var text = await refused.Content.ReadAsStringAsync();
            Assert.DoesNotContain(EditMarker, text, StringComparison.Ordinal);
            Assert.DoesNotContain(NoteMarker, text, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"\brita\b", text);
            var current = JsonDocument.Parse(text).RootElement.GetProperty("current");
            Assert.True(!current.TryGetProperty("decision", out var d) || d.ValueKind == JsonValueKind.Null, text);
        }
        // What the blind reviewer does see: the submission and the policy's reasons.
        var blind = JsonDocument.Parse(blindApi).RootElement;
        Assert.Equal(id, blind.GetProperty("caseId").GetGuid());
        Assert.False(string.IsNullOrEmpty(blind.GetProperty("submission").GetProperty("request").GetString()));
        Assert.False(blind.TryGetProperty("decision", out _));
        Assert.Contains("Blind second review pending", casePage, StringComparison.Ordinal);
        Assert.Contains("Blind second review pending", auditPage, StringComparison.Ordinal);
        // A lead who did not act could be the second reviewer too: the case's audit record is refused to her for now.
        using var lena = await _app.SignedInAs("lena");
        using (var refusedRecord = await lena.GetAsync($"/api/v1/cases/{id}/audit"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refusedRecord.StatusCode);
            var text = await refusedRecord.Content.ReadAsStringAsync();
            Assert.Equal("urn:workbench:problem:double-review-pending", JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
            Assert.DoesNotContain(EditMarker, text, StringComparison.Ordinal);
        }
        Assert.Contains("blind second review", blindPage, StringComparison.Ordinal);

        // The first reviewer still sees his own decision on the case page.
        Assert.Contains(EditMarker, await rita.GetStringAsync($"/cases/{id}"), StringComparison.Ordinal);

        await VerdictAsync(mia, id, new { verdict = "approve" }, HttpStatusCode.OK);
        var after = await mia.GetStringAsync($"/cases/{id}");
        Assert.DoesNotContain("Blind second review pending", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Blind second review pending", await mia.GetStringAsync($"/cases/{id}/audit"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await lena.GetAsync($"/api/v1/cases/{id}/audit")).StatusCode);
        Assert.Contains(EditMarker, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_outside_the_queue_learns_nothing_of_a_pending_blind_review_from_the_classification_endpoint()
    {
        var id = await QueuedSupportCaseAsync();
        using var rita = await _app.SignedInAs("rita");
        await DecideAsync(rita, id, Samples.ApprovalBody(Samples.Queues));
        using var felix = await _app.SignedInAs("felix"); // finance only
        using var mia = await _app.SignedInAs("mia"); // support: she could still give the blind review
        foreach (var (who, expected) in new[] { (felix, HttpStatusCode.NotFound), (mia, HttpStatusCode.Conflict) })
        {
            using var response = await who.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "retrieval_miss" }));
            Assert.Equal(expected, response.StatusCode);
        }
        using var unknown = await felix.PostAsync($"/api/v1/review/cases/{Guid.NewGuid()}/classification", Json(new { rootCause = "retrieval_miss" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_audit_event_list_leaves_out_a_pending_blind_review_case_for_whoever_could_still_give_it()
    {
        var id = await QueuedSupportCaseAsync();
        using var rita = await _app.SignedInAs("rita");
        using var mia = await _app.SignedInAs("mia");
        using var lena = await _app.SignedInAs("lena");
        await DecideAsync(rita, id, ApprovalWithEdits($"Dear customer, {EditMarker}.", NoteMarker));
        var list = _app.Services.GetRequiredService<Web.Auditing.AuditEventList>();
        async Task<IReadOnlyList<Data.Entities.AuditEventRecord>> EventsFor(string viewer, Web.Auditing.AuditEventFilter filter) =>
            (await list.PageAsync(filter, viewer, 500)).Events;

        // Lena (a lead) and mia did not act on the case: no search shows its events, not by case, type or the first reviewer's name.
        foreach (var viewer in new[] { "lena", "mia" })
        {
            Assert.DoesNotContain(await EventsFor(viewer, new()), e => e.CaseId == id);
            Assert.Empty(await EventsFor(viewer, new(CaseId: id)));
            Assert.DoesNotContain(await EventsFor(viewer, new(Type: "case.decided")), e => e.CaseId == id);
            Assert.DoesNotContain(await EventsFor(viewer, new(Actor: "rita")), e => e.CaseId == id);
            Assert.True((await list.PageAsync(new(), viewer, 25)).WithheldCases >= 1);
        }
        // Rita acted on it: she sees its events, decision included. Another case's events stay listed for everyone.
        Assert.Contains(await EventsFor("rita", new(CaseId: id)), e => e.Type == "case.decided" && e.FinalDecision == "approved_with_edits");
        var other = (await _app.SubmitSampleAsync(Samples.Proceeds)).Id;
        Assert.Contains(await EventsFor("lena", new()), e => e.CaseId == other);

        // The page as the lead's browser gets it: neither the case nor the decision, and a line saying why.
        var page = await lena.GetStringAsync("/audit");
        Assert.DoesNotContain(id.ToString(), page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"withheld-cases\"", page, StringComparison.Ordinal);

        // Once the blind review is in, the record is whole again for everyone.
        await VerdictAsync(mia, id, new { verdict = "approve" }, HttpStatusCode.OK);
        Assert.Contains(await EventsFor("lena", new(CaseId: id)), e => e.Type == "case.decided");
        Assert.Contains(await EventsFor("mia", new(Type: "case.decided")), e => e.CaseId == id);
        Assert.Contains(id.ToString(), await lena.GetStringAsync("/audit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agreeing_and_a_disagreeing_pair_give_kappa_and_the_disagreement_list()
    {
        var agree = await QueuedSupportCaseAsync();
        var disagree = await QueuedSupportCaseAsync();
        var pending = await QueuedSupportCaseAsync();
        using var rita = await _app.SignedInAs("rita");
        using var mia = await _app.SignedInAs("mia");
        await DecideAsync(rita, agree, new { action = "reject", rejectReasonCode = "MULTI_POLICY_CONFLICT", rootCause = "retrieval_conflict" });
        await DecideAsync(rita, disagree, Samples.ApprovalBody(Samples.Queues));
        await DecideAsync(rita, pending, Samples.ApprovalBody(Samples.Queues));
        await VerdictAsync(mia, agree, new { verdict = "reject", rejectReasonCode = "MISSING_AUTH_SOURCE" }, HttpStatusCode.OK);
        await VerdictAsync(mia, disagree, new { verdict = "approve_with_edits", editedResponse = "A better answer." }, HttpStatusCode.OK);

        var insights = _app.Services.GetRequiredService<InsightsService>();
        var (from, to) = (DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var report = await insights.ReportAsync(from, to, null, CancellationToken.None);
        // Pairs (rejected, rejected) and (approved, edited): po = 1/2; first R 1, A 1; second R 1, E 1 → pe = 1/4; κ = (1/2 − 1/4) / (3/4) = 1/3.
        Assert.Equal(2, report.All.Disagreement.Pairs);
        Assert.Equal(0.5, report.All.Disagreement.ObservedAgreement, 10);
        Assert.Equal(1.0 / 3, report.All.Disagreement.Kappa!.Value, 10);

        var disagreements = await insights.CasesAsync(LearningMetric.Disagreement, from, to, null, wholeSample: false, CancellationToken.None);
        Assert.Equal([disagree], disagreements.Cases.Select(c => c.Id));
        Assert.Equal(DecisionKind.ApprovedWithEdits, disagreements.Cases[0].SecondOpinion);
        var pairs = await insights.CasesAsync(LearningMetric.Disagreement, from, to, null, wholeSample: true, CancellationToken.None);
        Assert.Equal(new[] { agree, disagree }.Order(), pairs.Cases.Select(c => c.Id).Order());

        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync("/insights");
        Assert.Contains("over 2 blind double reviews", page, StringComparison.Ordinal);
        Assert.Contains("0.33", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"verdict\":\"reject\"}", "$.rejectReasonCode")]
    [InlineData("{\"verdict\":\"reject\",\"rejectReasonCode\":\"NOT_A_CODE\"}", "$.rejectReasonCode")]
    [InlineData("{\"verdict\":\"approve_with_edits\"}", "$.editedResponse")]
    [InlineData("{\"verdict\":\"route\"}", "$.verdict")]
    public async Task A_bad_verdict_is_a_validation_problem_and_records_nothing(string body, string field)
    {
        var id = await QueuedSupportCaseAsync();
        using var rita = await _app.SignedInAs("rita");
        using var mia = await _app.SignedInAs("mia");
        await DecideAsync(rita, id, Samples.ApprovalBody(Samples.Queues));
        using var response = await mia.PostAsync($"/api/v1/review/double-reviews/{id}/verdict", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:workbench:problem:validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        var row = await _app.WithDbAsync(db => db.DoubleReviews.AsNoTracking().SingleAsync(d => d.CaseId == id));
        Assert.Null(row.Verdict);
        Assert.False(await _app.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.CaseId == id && e.Type == "case.double_reviewed")));
    }
}
