using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Cases;

namespace Workbench.Web.Tests.Learning;

/// <summary>
/// A root cause on every review action, through the review API as an integration sends it: required where the reviewer
/// changed or stopped the proposal, <c>unknown</c> only where the workflow allows it, changed afterwards by the reviewer
/// or a lead with the audit saying what it was; and the root-cause mix of Insights and the board equal to a plain count
/// of what the reviewers sent.
/// </summary>
public sealed partial class RootCauseTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    /// <summary>A support.refund case (no "unknown" root cause) in the support queue, claimed by rita.</summary>
    private static async Task<Guid> ClaimedAsync(WorkbenchFactory factory, HttpClient reviewer, string queue = "support")
    {
        var id = (await factory.SubmitSampleAsync(Samples.Queues)).Id;
        await factory.WithDbAsync(async db => await db.Cases.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Queue, queue)));
        using var claim = await reviewer.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new { }));
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        return id;
    }

    private static JsonObject Body(string action, string? rootCause)
    {
        var body = action switch
        {
            "reject" => new JsonObject { ["action"] = "reject", ["rejectReasonCode"] = "MULTI_POLICY_CONFLICT" },
            "approve_with_edits" => Samples.ApprovalBody(Samples.Queues, "approve_with_edits"),
            _ => Samples.ApprovalBody(Samples.Queues),
        };
        body.Remove("rootCause");
        if (action == "approve_with_edits")
        {
            body["editedResponse"] = "We refund per policy v7.";
        }
        if (rootCause is not null)
        {
            body["rootCause"] = rootCause;
        }
        return body;
    }

    [Theory]
    [InlineData("reject", null, "A decision needs a root cause")]
    [InlineData("approve_with_edits", null, "A decision needs a root cause")]
    [InlineData("reject", "bad_luck", "")]
    [InlineData("approve_with_edits", "unknown", "does not accept 'unknown'")]
    [InlineData("reject", "unknown", "does not accept 'unknown'")]
    public async Task A_change_or_a_stop_without_an_accepted_root_cause_is_a_400_and_writes_nothing(string action, string? rootCause, string says)
    {
        var rita = await app.SignedInAs("rita");
        var id = await ClaimedAsync(app, rita);
        var before = await app.WithDbAsync(async db => (
            await db.Cases.AsNoTracking().SingleAsync(c => c.Id == id),
            await db.ReviewActions.CountAsync(a => a.CaseId == id),
            await db.AuditEvents.CountAsync(a => a.CaseId == id)));

        using var response = await rita.PostAsync($"/api/v1/review/cases/{id}/actions",
            new StringContent(Body(action, rootCause).ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateObject());
        Assert.Equal("$.rootCause", error.Name);
        Assert.Contains(says, error.Value[0].GetString(), StringComparison.Ordinal);
        var after = await app.WithDbAsync(async db => (
            await db.Cases.AsNoTracking().SingleAsync(c => c.Id == id),
            await db.ReviewActions.CountAsync(a => a.CaseId == id),
            await db.AuditEvents.CountAsync(a => a.CaseId == id)));
        Assert.Equal((CaseStatus.InReview, "rita", before.Item1.Revision, 0), (after.Item1.Status, after.Item1.ClaimedBy, after.Item1.Revision, after.Item2));
        Assert.Equal(before.Item3, after.Item3);
    }

    [Fact]
    public async Task Unknown_is_accepted_where_the_workflow_allows_it()
    {
        // support.faq sets allow_unknown_root_cause; a case of it that waits in a queue (no authoritative source).
        var receipt = await app.SubmitSampleAsync("005-");
        Assert.Equal(CaseStatus.Queued, receipt.Status);
        var lena = await app.SignedInAs("lena");
        Assert.Equal(HttpStatusCode.OK, (await lena.PostAsync($"/api/v1/review/cases/{receipt.Id}/claim", Json(new { }))).StatusCode);
        using var response = await lena.PostAsync($"/api/v1/review/cases/{receipt.Id}/actions",
            Json(new { action = "reject", rejectReasonCode = "MISSING_AUTH_SOURCE", rootCause = "unknown" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(RootCause.Unknown, await app.WithDbAsync(db => db.ReviewActions.Where(a => a.CaseId == receipt.Id).Select(a => a.RootCause).SingleAsync()));
    }

    [Fact]
    public async Task The_reviewer_and_a_lead_change_the_root_cause_afterwards_and_the_audit_says_what_it_was()
    {
        var rita = await app.SignedInAs("rita");
        var id = await ClaimedAsync(app, rita);
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsync($"/api/v1/review/cases/{id}/actions",
            new StringContent(Body("reject", "retrieval_conflict").ToJsonString(), Encoding.UTF8, "application/json"))).StatusCode);
        var audit = await app.WithDbAsync(db => db.AuditEvents.Where(a => a.CaseId == id && a.Type == AuditEventTypes.CaseDecided).Select(a => a.DataJson).SingleAsync());
        Assert.Contains("\"rootCause\":\"retrieval_conflict\"", audit, StringComparison.Ordinal);

        var mine = await OkAsync(await rita.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "prompt" })));
        Assert.Equal(("prompt", "rita", "rita"), (mine.GetProperty("rootCause").GetString(), mine.GetProperty("reviewer").GetString(), mine.GetProperty("changedBy").GetString()));

        // Another reviewer of the queue did not act on it: the classification is not his to change.
        var mia = await app.SignedInAs("mia");
        using var theirs = await mia.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "tool_failure" }));
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        // "unknown" is refused for this workflow, afterwards as with the action.
        using var unknown = await rita.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "unknown" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var lena = await app.SignedInAs("lena");
        var led = await OkAsync(await lena.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "tool_failure", escalationNecessary = true })));
        Assert.Equal(("tool_failure", "rita", "lena", true),
            (led.GetProperty("rootCause").GetString(), led.GetProperty("reviewer").GetString(), led.GetProperty("changedBy").GetString(), led.GetProperty("escalationNecessary").GetBoolean()));

        var classified = await app.WithDbAsync(db => db.AuditEvents.Where(a => a.CaseId == id && a.Type == AuditEventTypes.CaseClassified)
            .OrderBy(a => a.Sequence).Select(a => new { a.Actor, a.DataJson }).ToListAsync());
        Assert.Equal(["rita", "lena"], classified.Select(c => c.Actor));
        Assert.Contains("\"previous\":\"retrieval_conflict\"", classified[0].DataJson, StringComparison.Ordinal);
        Assert.Contains("\"previous\":\"prompt\"", classified[1].DataJson, StringComparison.Ordinal);
        Assert.Contains("\"actionBy\":\"rita\"", classified[1].DataJson, StringComparison.Ordinal);
        Assert.Equal(RootCause.ToolFailure, await app.WithDbAsync(db => db.ReviewActions.Where(a => a.CaseId == id).Select(a => a.RootCause).SingleAsync()));
    }

    [Fact]
    public async Task The_root_cause_mix_on_insights_and_the_board_is_a_plain_count_of_what_reviewers_sent()
    {
        // An app of its own: the other tests' decisions must not enter the mix.
        await using var own = new WorkbenchFactory();
        var rita = await own.SignedInAs("rita");
        var lena = await own.SignedInAs("lena");
        (string Action, string? RootCause)[] sent =
        [
            ("reject", "retrieval_conflict"),
            ("reject", "retrieval_conflict"),
            ("reject", "policy_too_loose"),
            ("approve_with_edits", "prompt"),
            ("approve_with_edits", "retrieval_conflict"),
            ("approve", null),
            ("approve", "policy_too_strict"),
        ];
        var last = new Dictionary<Guid, string?>();
        foreach (var (action, cause) in sent)
        {
            var id = await ClaimedAsync(own, rita);
            await OkAsync(await rita.PostAsync($"/api/v1/review/cases/{id}/actions",
                new StringContent(Body(action, cause).ToJsonString(), Encoding.UTF8, "application/json")));
            last[id] = cause;
        }
        // Changed afterwards: by rita on her own case, and by lena on one rita approved without a root cause.
        var ids = last.Keys.ToList();
        await OkAsync(await rita.PostAsync($"/api/v1/review/cases/{ids[1]}/classification", Json(new { rootCause = "missing_business_data" })));
        last[ids[1]] = "missing_business_data";
        await OkAsync(await lena.PostAsync($"/api/v1/review/cases/{ids[5]}/classification", Json(new { rootCause = "user_ambiguity" })));
        last[ids[5]] = "user_ambiguity";

        var expected = last.Values.OfType<string>().GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count()).OrderBy(c => c.Key).ToList();
        Assert.Equal(expected, RootCauseRows.Of(await lena.GetStringAsync("/insights")).OrderBy(c => c.Key));
        Assert.Equal(expected, RootCauseRows.Of(await lena.GetStringAsync("/board")).OrderBy(c => c.Key));
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>The rows of a page's root-cause mix (<c>RootCauseMix</c>): class → cases.</summary>
public static partial class RootCauseRows
{
    [GeneratedRegex("<tr data-root-cause=\"([a-z_]+)\".*?data-cell=\"cases\"[^>]*>(\\d+)</td>", RegexOptions.Singleline)]
    private static partial Regex Row();

    public static Dictionary<string, int> Of(string html) =>
        Row().Matches(html).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
}
