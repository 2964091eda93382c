using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// Spot checks against the real app: support.faq samples every proceed case; the AI system gets its answer at once and
/// the case stays auto-approved; mia (spot-check queue) claims the spot check and records her verdict through the review API.
/// </summary>
public sealed class SpotCheckTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;

    public SpotCheckTests()
    {
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Policy:Path"] = PolicyFiles.Write(PolicyFiles.SpotCheckRate(1.0)),
                ["Learning:SpotCheck:AgeOut"] = "02:00:00",
            },
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
    }

    public async Task InitializeAsync() => await Task.Run(() => _ = _app.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<CaseRecord> CaseAsync(Guid id) => _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));

    [Fact]
    public async Task A_sampled_proceed_case_is_answered_at_once_and_waits_in_the_spot_check_queue()
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Proceeds);

        Assert.Equal(CaseStatus.AutoApproved, receipt.Status);
        Assert.True(receipt.SpotCheck);
        // The AI system has its decision without waiting for anyone.
        using var decision = await _app.ApiClient().GetAsync($"/api/v1/cases/{receipt.Id}/decision");
        Assert.Equal("approved", (await ReadAsync(decision, HttpStatusCode.OK)).GetProperty("decision").GetString());

        using var mia = await _app.SignedInAs("mia");
        var pending = await ReadAsync(await mia.GetAsync("/api/v1/review/spot-checks"), HttpStatusCode.OK);
        Assert.Contains(pending.EnumerateArray(), p => p.GetProperty("caseId").GetGuid() == receipt.Id);
        var item = await ReadAsync(await mia.GetAsync($"/api/v1/review/spot-checks/{receipt.Id}"), HttpStatusCode.OK);
        Assert.Equal("open", item.GetProperty("state").GetString());
        Assert.Equal("approved", item.GetProperty("decision").GetProperty("decision").GetString());

        // Rita does not work the spot-check queue: she neither sees nor claims it.
        using var rita = await _app.SignedInAs("rita");
        Assert.Empty((await ReadAsync(await rita.GetAsync("/api/v1/review/spot-checks"), HttpStatusCode.OK)).EnumerateArray());
        await ReadAsync(await rita.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/claim", Json(new { })), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_reviewer_claims_it_and_records_a_verdict_and_the_case_is_never_changed()
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Proceeds);
        var before = await CaseAsync(receipt.Id);
        using var mia = await _app.SignedInAs("mia");

        // Before the claim the old answer is: a case that is auto-approved cannot be claimed. Now the spot check can.
        var claimed = await ReadAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/claim", Json(new { })), HttpStatusCode.OK);
        Assert.Equal(("in_review", "mia"), (claimed.GetProperty("state").GetString(), claimed.GetProperty("claimedBy").GetString()));
        var verdict = await ReadAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/verdict", Json(new
        {
            verdict = "would_have_edited",
            editedResponse = "SSO with Okta needs the Business plan; SCIM is included.",
            rootCause = "prompt",
            note = "too chatty",
        })), HttpStatusCode.OK);
        Assert.Equal(("reviewed", "would_have_edited", "prompt"),
            (verdict.GetProperty("state").GetString(), verdict.GetProperty("verdict").GetString(), verdict.GetProperty("rootCause").GetString()));

        var after = await CaseAsync(receipt.Id);
        Assert.Equal(CaseStatus.AutoApproved, after.Status);
        Assert.Equal((before.Revision, before.UpdatedAt, before.DecisionJson, before.Decision), (after.Revision, after.UpdatedAt, after.DecisionJson, after.Decision));
        Assert.Equal(0, await _app.WithDbAsync(db => db.ReviewActions.CountAsync(a => a.CaseId == receipt.Id)));
        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.CaseId == receipt.Id).OrderBy(e => e.Id).Select(e => e.Type).ToListAsync());
        Assert.Equal(["case.submitted", "spot_check.claimed", "spot_check.reviewed"], audit);

        // One verdict, final.
        var again = await ReadAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/claim", Json(new { })), HttpStatusCode.Conflict);
        Assert.Equal(ProblemTypes.SpotCheckDone, again.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"verdict":"would_have_rejected","rejectReasonCode":"STALE_EVIDENCE"}""", "$.rootCause")]
    [InlineData("""{"verdict":"would_have_edited","rootCause":"prompt"}""", "$.editedResponse")]
    [InlineData("""{"verdict":"would_have_rejected","rootCause":"prompt","rejectReasonCode":"BECAUSE"}""", "$.rejectReasonCode")]
    public async Task A_verdict_without_what_it_needs_is_refused_and_writes_nothing(string body, string field)
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Proceeds);
        using var mia = await _app.SignedInAs("mia");
        await ReadAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/claim", Json(new { })), HttpStatusCode.OK);

        var problem = await ReadAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/verdict",
            new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        var item = await _app.WithDbAsync(db => db.SpotChecks.AsNoTracking().SingleAsync(s => s.CaseId == receipt.Id));
        Assert.Null(item.Verdict);
        Assert.Equal(0, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.CaseId == receipt.Id && e.Type == "spot_check.reviewed")));
    }

    [Fact]
    public async Task An_unreviewed_spot_check_ages_out_as_not_reviewed_and_can_no_longer_be_taken()
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Proceeds);
        using var mia = await _app.SignedInAs("mia");

        _clock.Advance(TimeSpan.FromHours(2));

        Assert.DoesNotContain((await ReadAsync(await mia.GetAsync("/api/v1/review/spot-checks"), HttpStatusCode.OK)).EnumerateArray(),
            p => p.GetProperty("caseId").GetGuid() == receipt.Id);
        Assert.Equal("not_reviewed", (await ReadAsync(await mia.GetAsync($"/api/v1/review/spot-checks/{receipt.Id}"), HttpStatusCode.OK)).GetProperty("state").GetString());
        var refused = await ReadAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/claim", Json(new { })), HttpStatusCode.Conflict);
        Assert.Equal(ProblemTypes.SpotCheckAgedOut, refused.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await mia.PostAsync("/api/v1/review/spot-checks/next", Json(new { }))).StatusCode);
    }

    [Fact]
    public async Task Next_claims_the_oldest_open_spot_check_and_two_reviewers_never_share_one()
    {
        var first = await _app.SubmitSampleAsync(Samples.Proceeds);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var second = await _app.SubmitSampleAsync(Samples.Proceeds);
        using var mia = await _app.SignedInAs("mia");
        using var lena = await _app.SignedInAs("lena");

        var a = await ReadAsync(await mia.PostAsync("/api/v1/review/spot-checks/next", Json(new { })), HttpStatusCode.OK);
        var b = await ReadAsync(await lena.PostAsync("/api/v1/review/spot-checks/next", Json(new { })), HttpStatusCode.OK);

        Assert.Equal(first.Id, a.GetProperty("caseId").GetGuid());
        Assert.Equal(second.Id, b.GetProperty("caseId").GetGuid());
        var taken = await ReadAsync(await lena.PostAsync($"/api/v1/review/spot-checks/{first.Id}/claim", Json(new { })), HttpStatusCode.Conflict);
        Assert.Equal(ProblemTypes.AlreadyClaimed, taken.GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_spot_check_page_shows_the_answer_and_its_state()
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Proceeds);
        using var mia = await _app.SignedInAs("mia");

        var page = await mia.GetStringAsync($"/spot-checks/{receipt.Id}");
        var list = await mia.GetStringAsync("/spot-checks");

        Assert.Contains("waiting for a reviewer", page, StringComparison.Ordinal);
        Assert.Contains("never as agreement", page, StringComparison.Ordinal);
        Assert.Contains($"data-case-id=\"{receipt.Id}\"", list, StringComparison.Ordinal);
    }
}
