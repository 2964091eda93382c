using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Data.Entities;

namespace Workbench.Web.Tests.Learning;

/// <summary>
/// The root cause of a spot-check verdict, changed afterwards through the review API's classification endpoint with
/// the rules of a review action's: the verdict's reviewer or a lead may, another reviewer of the queue may not, a bad
/// value is a 400 at its field; nothing is written on a refusal; each change is a <c>case.classified</c> audit event
/// with what it was; and Insights' root-cause mix is a plain count of the causes as they stand. support.faq samples
/// every proceed case; mia and (given the queue by an admin) rita work the spot-check queue.
/// </summary>
public sealed class SpotCheckRootCauseTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new()
    {
        Settings = { ["Policy:Path"] = PolicyFiles.Write(PolicyFiles.SpotCheckRate(1.0)) },
    };

    public async Task InitializeAsync()
    {
        await _app.WithDbAsync(async db =>
        {
            db.Add(new QueueMembershipRecord { UserName = "rita", Queue = "spot-check" });
            return await db.SaveChangesAsync();
        });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    /// <summary>A sampled support.faq case, claimed by the reviewer and given this verdict and root cause.</summary>
    private async Task<Guid> SpotCheckedAsync(HttpClient reviewer, string verdict, string? rootCause)
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Proceeds);
        Assert.True(receipt.SpotCheck);
        await ReadAsync(await reviewer.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/claim", Json(new { })), HttpStatusCode.OK);
        object body = verdict switch
        {
            "would_have_edited" => new { verdict, editedResponse = "SSO with Okta needs the Business plan.", rootCause },
            "would_have_rejected" => new { verdict, rejectReasonCode = "MISSING_AUTH_SOURCE", rootCause },
            _ => new { verdict, rootCause },
        };
        await ReadAsync(await reviewer.PostAsync($"/api/v1/review/spot-checks/{receipt.Id}/verdict", Json(body)), HttpStatusCode.OK);
        return receipt.Id;
    }

    private Task<(RootCause? RootCause, int Revision, int Audit)> StateAsync(Guid id) => _app.WithDbAsync(async db =>
    {
        var spot = await db.SpotChecks.AsNoTracking().SingleAsync(s => s.CaseId == id);
        return (spot.RootCause, spot.Revision, await db.AuditEvents.CountAsync(a => a.CaseId == id));
    });

    [Fact]
    public async Task The_verdicts_reviewer_and_a_lead_change_its_root_cause_and_the_audit_says_what_it_was()
    {
        using var mia = await _app.SignedInAs("mia");
        var id = await SpotCheckedAsync(mia, "would_have_edited", "prompt");

        var mine = await ReadAsync(await mia.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "retrieval_miss" })), HttpStatusCode.OK);
        Assert.Equal(("retrieval_miss", "mia", "mia"),
            (mine.GetProperty("rootCause").GetString(), mine.GetProperty("reviewer").GetString(), mine.GetProperty("changedBy").GetString()));

        using var lena = await _app.SignedInAs("lena");
        var led = await ReadAsync(await lena.PostAsync($"/api/v1/review/cases/{id}/classification", Json(new { rootCause = "unknown" })), HttpStatusCode.OK);
        Assert.Equal(("unknown", "mia", "lena"),
            (led.GetProperty("rootCause").GetString(), led.GetProperty("reviewer").GetString(), led.GetProperty("changedBy").GetString()));

        Assert.Equal(RootCause.Unknown, (await StateAsync(id)).RootCause);
        var classified = await _app.WithDbAsync(db => db.AuditEvents.Where(a => a.CaseId == id && a.Type == AuditEventTypes.CaseClassified)
            .OrderBy(a => a.Sequence).Select(a => new { a.Actor, a.DataJson }).ToListAsync());
        Assert.Equal(["mia", "lena"], classified.Select(c => c.Actor));
        Assert.Contains("\"previous\":\"prompt\"", classified[0].DataJson, StringComparison.Ordinal);
        Assert.Contains("\"previous\":\"retrieval_miss\"", classified[1].DataJson, StringComparison.Ordinal);
        Assert.Contains("\"actionBy\":\"mia\"", classified[1].DataJson, StringComparison.Ordinal);
        // The spot check's own page shows the cause as it stands.
        var page = await lena.GetStringAsync($"/spot-checks/{id}");
        Assert.Contains("root cause: Unknown", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rita", """{"rootCause":"tool_failure"}""", HttpStatusCode.Forbidden, null)]
    [InlineData("mia", """{"rootCause":"bad_luck"}""", HttpStatusCode.BadRequest, "$.rootCause")]
    [InlineData("mia", """{"rootCause":"tool_failure","escalationNecessary":true}""", HttpStatusCode.BadRequest, "$.escalationNecessary")]
    [InlineData("sam", """{"rootCause":"tool_failure"}""", HttpStatusCode.NotFound, null)]
    public async Task A_refused_change_writes_nothing(string who, string body, HttpStatusCode status, string? field)
    {
        using var mia = await _app.SignedInAs("mia");
        var id = await SpotCheckedAsync(mia, "would_have_rejected", "policy_too_loose");
        var before = await StateAsync(id);

        using var caller = await _app.SignedInAs(who);
        var problem = await ReadAsync(await caller.PostAsync($"/api/v1/review/cases/{id}/classification",
            new StringContent(body, Encoding.UTF8, "application/json")), status);

        if (field is not null)
        {
            Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
            Assert.Equal(field, Assert.Single(problem.GetProperty("errors").EnumerateObject()).Name);
        }
        Assert.Equal(before, await StateAsync(id));
        Assert.Equal(RootCause.PolicyTooLoose, before.RootCause);
    }

    [Fact]
    public async Task Insights_root_cause_mix_counts_the_spot_check_causes_as_changed()
    {
        using var mia = await _app.SignedInAs("mia");
        using var lena = await _app.SignedInAs("lena");
        (string Verdict, string? RootCause)[] given =
        [
            ("would_have_edited", "prompt"),
            ("would_have_edited", "prompt"),
            ("would_have_rejected", "policy_too_loose"),
            ("agree", null),
            ("agree", "retrieval_miss"),
        ];
        var causes = new Dictionary<Guid, string?>();
        foreach (var (verdict, cause) in given)
        {
            causes[await SpotCheckedAsync(mia, verdict, cause)] = cause;
        }
        var ids = causes.Keys.ToList();
        // Changed afterwards: by mia on her own verdict, and by lena on one mia agreed with and gave no cause.
        await ReadAsync(await mia.PostAsync($"/api/v1/review/cases/{ids[1]}/classification", Json(new { rootCause = "tool_failure" })), HttpStatusCode.OK);
        causes[ids[1]] = "tool_failure";
        await ReadAsync(await lena.PostAsync($"/api/v1/review/cases/{ids[3]}/classification", Json(new { rootCause = "user_ambiguity" })), HttpStatusCode.OK);
        causes[ids[3]] = "user_ambiguity";

        var expected = causes.Values.OfType<string>().GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count()).OrderBy(c => c.Key).ToList();
        Assert.Equal(expected, RootCauseRows.Of(await lena.GetStringAsync("/insights")).OrderBy(c => c.Key));
    }
}
