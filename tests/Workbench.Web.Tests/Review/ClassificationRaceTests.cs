using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Cases;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// Changes of one case's classification sent at the same moment, as real concurrent requests to the app on Kestrel:
/// on a review action (its reviewer and a lead) and on a spot-check verdict (its reviewer and a lead). Each answers
/// 200 or 409 <c>concurrent-change</c>, never a 500; a 409 writes nothing; and no change is lost: each recorded
/// change says it replaced the one recorded before it, and the case ends on the last one.
/// </summary>
public sealed class ClassificationRaceTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly WorkbenchFactory _app = new()
    {
        Settings = { ["Policy:Path"] = PolicyFiles.Write(PolicyFiles.SpotCheckRate(1.0)) },
    };
    private Uri _base = null!;

    public Task InitializeAsync()
    {
        _base = _app.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Posts each step under <paramref name="prefix"/> in turn; each must succeed.</summary>
    private static async Task PostAllAsync(HttpClient who, string prefix, params (string Path, string Body)[] steps)
    {
        foreach (var (path, body) in steps)
        {
            using var response = await who.PostAsync($"{prefix}/{path}", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string Wire(RootCause c) => JsonNamingPolicy.SnakeCaseLower.ConvertName(c.ToString());

    private Task<List<(string RootCause, string? Previous)>> ClassifiedAsync(Guid id) => _app.WithDbAsync(async db =>
    {
        var data = await db.AuditEvents.AsNoTracking().Where(a => a.CaseId == id && a.Type == AuditEventTypes.CaseClassified)
            .OrderBy(a => a.Sequence).Select(a => a.DataJson).ToListAsync();
        return data.Select(d =>
        {
            using var doc = JsonDocument.Parse(d);
            var root = doc.RootElement;
            return (root.GetProperty("rootCause").GetString()!,
                root.TryGetProperty("previous", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null);
        }).ToList();
    });

    /// <summary>
    /// Rounds of six changes at once (each to a cause the case does not have), alternating the two people, until some
    /// change lost the race: checks every answer and what was written after each round.
    /// </summary>
    private async Task RaceAsync(Guid id, HttpClient first, HttpClient second, Func<Task<RootCause?>> current)
    {
        var conflicts = 0;
        var started = DateTime.UtcNow;
        for (var round = 0; conflicts == 0; round++)
        {
            Assert.True(DateTime.UtcNow - started < Deadline, $"no two changes overlapped in {round} rounds");
            var now = await current();
            var before = (await ClassifiedAsync(id)).Count;
            var causes = Enum.GetValues<RootCause>().Where(c => c != RootCause.Unknown && c != now).Skip(round % 3).Take(6).ToList();
            var answers = await Task.WhenAll(causes.Select(async (cause, i) =>
            {
                using var response = await (i % 2 == 0 ? first : second).PostAsync($"/api/v1/review/cases/{id}/classification",
                    new StringContent($$"""{"rootCause":"{{Wire(cause)}}"}""", Encoding.UTF8, "application/json"));
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }));

            Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)a.StatusCode}: {a.Body}"));
            foreach (var refused in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
            {
                using var problem = JsonDocument.Parse(refused.Body);
                Assert.Equal(ProblemTypes.ConcurrentChange, problem.RootElement.GetProperty("type").GetString());
                conflicts++;
            }
            // Only the changes that answered 200 were written, each on top of the one before it.
            var events = await ClassifiedAsync(id);
            Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.OK), events.Count - before);
            for (var i = Math.Max(1, before); i < events.Count; i++)
            {
                Assert.Equal(events[i - 1].RootCause, events[i].Previous);
            }
            Assert.Equal(events[^1].RootCause, Wire((await current())!.Value));
        }
    }

    [Fact]
    public async Task Changes_of_a_review_actions_classification_at_the_same_moment_never_lose_one_and_the_loser_gets_409()
    {
        // Rita claims and rejects a policy-legal case, naming retrieval_conflict as its root cause.
        using var rita = await LiveApp.SignedInAsync(_base, "rita");
        using var lena = await LiveApp.SignedInAsync(_base, "lena");
        var id = (await LiveApp.SubmitAsync(_base, Samples.Queues)).Id;
        await PostAllAsync(rita, $"/api/v1/review/cases/{id}", ("claim", "{}"),
            ("actions", """{"action":"reject","rejectReasonCode":"MULTI_POLICY_CONFLICT","note":"Sources disagree.","rootCause":"retrieval_conflict"}"""));
        await RaceAsync(id, rita, lena, () => _app.WithDbAsync(db => db.ReviewActions.AsNoTracking().Where(a => a.CaseId == id).Select(a => a.RootCause).SingleAsync()));
    }

    [Fact]
    public async Task Changes_of_a_spot_check_verdicts_root_cause_at_the_same_moment_never_lose_one_and_the_loser_gets_409()
    {
        using var mia = await LiveApp.SignedInAsync(_base, "mia");
        using var lena = await LiveApp.SignedInAsync(_base, "lena");
        var receipt = await LiveApp.SubmitAsync(_base, Samples.Proceeds);
        Assert.True(receipt.SpotCheck);
        await PostAllAsync(mia, $"/api/v1/review/spot-checks/{receipt.Id}", ("claim", "{}"),
            ("verdict", """{"verdict":"would_have_rejected","rejectReasonCode":"MISSING_AUTH_SOURCE","rootCause":"prompt"}"""));
        await RaceAsync(receipt.Id, mia, lena, () => _app.WithDbAsync(db => db.SpotChecks.AsNoTracking().Where(s => s.CaseId == receipt.Id).Select(s => s.RootCause).SingleAsync()));
    }
}
