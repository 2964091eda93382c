using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Learning;

/// <summary>
/// The figures of /insights, the autonomy recommendation and the eval export against the real app on SQLite, after a
/// known set of things people did: support.faq samples every proceed case; people give four spot-check verdicts and
/// leave two unreviewed until they age out; three escalated refunds are decided by a person. Every expected figure is
/// computed in this test from that list alone, never by the product's math.
/// </summary>
public sealed partial class HonestFiguresTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;
    private readonly List<(Guid Id, SpotCheckVerdict? Verdict, RootCause? Cause)> _proceeds = [];
    private readonly List<(Guid Id, ReviewActionKind Action, RootCause Cause, bool Necessary)> _escalated = [];
    private readonly List<string> _secrets = [];
    private DateTimeOffset _start;

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex("data-case-id=\"([0-9a-f-]{36})\"")]
    private static partial Regex CaseRow();

    public HonestFiguresTests()
    {
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Policy:Path"] = PolicyFiles.Write(PolicyFiles.SpotCheckRate(1.0)),
                ["Learning:SpotCheck:AgeOut"] = "02:00:00",
                ["Learning:SensitiveFields:0"] = "requester.id",
                ["Learning:SensitiveFields:1"] = "proposal.action.parameters.invoiceId",
            },
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.Remove(s.Single(d => d.ImplementationType == typeof(LeaseSweeper)));
            },
        };
    }

    public async Task InitializeAsync()
    {
        await Task.Run(() => _ = _app.Server);
        _start = _clock.GetUtcNow();
        (SpotCheckVerdict? Verdict, RootCause? Cause)[] verdicts =
        [
            (SpotCheckVerdict.Agree, null),
            (SpotCheckVerdict.WouldHaveEdited, RootCause.Prompt),
            (SpotCheckVerdict.WouldHaveRejected, RootCause.RetrievalMiss),
            (SpotCheckVerdict.Agree, RootCause.Unknown),
            (null, null),
            (null, null),
        ];
        using var mia = await _app.SignedInAs("mia");
        foreach (var (verdict, cause) in verdicts)
        {
            var id = await SubmitAsync(Samples.Proceeds);
            _proceeds.Add((id, verdict, cause));
            if (verdict is null)
            {
                continue;
            }
            await OkAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{id}/claim", Json(new { })));
            await OkAsync(await mia.PostAsync($"/api/v1/review/spot-checks/{id}/verdict", Json(new
            {
                verdict,
                editedResponse = verdict == SpotCheckVerdict.WouldHaveEdited ? "Okta SSO needs the Business plan." : null,
                rejectReasonCode = verdict == SpotCheckVerdict.WouldHaveRejected ? "STALE_EVIDENCE" : null,
                rootCause = cause,
            })));
        }

        var reviews = _app.Services.GetRequiredService<ReviewService>();
        var lena = WebhookTestKit.Lena;
        (ReviewActionRequest Action, RootCause Cause, bool Necessary)[] decisions =
        [
            (new() { Action = ReviewActionKind.Reject, RejectReasonCode = "MULTI_POLICY_CONFLICT" }, RootCause.RetrievalConflict, true),
            // Approvals confirm the action the way the case page does (tool named back, amount typed).
            (Samples.Approval(Samples.Queues), RootCause.PolicyTooStrict, false),
            (Samples.Approval(Samples.Queues, ReviewActionKind.ApproveWithEdits) with { EditedResponse = "We refund per policy v7." }, RootCause.RetrievalConflict, true),
        ];
        foreach (var (action, cause, necessary) in decisions)
        {
            var id = await SubmitAsync(Samples.Queues);
            _escalated.Add((id, action.Action, cause, necessary));
            Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(lena, id));
            // The root cause goes with the action; whether the case needed a person, afterwards.
            Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(lena, id, action with { RootCause = cause }));
            Assert.IsType<ReviewResult.Classified>(await reviews.ClassifyAsync(lena, id, null, necessary));
        }
        // The two spot checks nobody took leave the sample.
        _clock.Advance(TimeSpan.FromHours(3));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A sample with a requester id and invoice id of its own, repeated in the request text: masked values to look for.</summary>
    private async Task<Guid> SubmitAsync(string sample)
    {
        var json = Samples.Json(sample);
        var requester = $"cust-MASK-{Guid.NewGuid():N}"[..20];
        json["requester"]!["id"] = requester;
        json["request"] = json["request"]!.GetValue<string>() + $" (account {requester})";
        _secrets.Add(requester);
        if (json["proposal"]?["action"]?["parameters"]?["invoiceId"] is { } invoice)
        {
            var value = $"INV-MASK-{Guid.NewGuid():N}"[..20];
            json["proposal"]!["action"]!["parameters"]!["invoiceId"] = value;
            json["request"] = json["request"]!.GetValue<string>() + $" Invoice {value}.";
            _secrets.Add(value);
            Assert.NotNull(invoice);
        }
        using var response = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        var receipt = await OkAsync(response, HttpStatusCode.Created);
        // The known set rests on the sample's path: a proceed case sampled for a spot check, or a queued refund.
        Assert.True(sample == Samples.Proceeds
            ? receipt.GetProperty("status").GetString() == "auto_approved" && receipt.GetProperty("spotCheck").GetBoolean()
            : receipt.GetProperty("status").GetString() == "queued", receipt.ToString());
        return receipt.GetProperty("id").GetGuid();
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, WorkbenchJson.Options), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private string Period => $"from={Uri.EscapeDataString(_start.AddMinutes(-1).UtcDateTime.ToString("O"))}&to={Uri.EscapeDataString(_clock.GetUtcNow().AddMinutes(1).UtcDateTime.ToString("O"))}";

    private static string Text(string html) => WebUtility.HtmlDecode(Tag().Replace(html, " ")).Replace('\u00a0', ' ');

    private static string Squash(string text) => Regex.Replace(text, @"\s+", " ");

    [Fact]
    public async Task Every_figure_on_insights_counts_only_what_people_did()
    {
        // The plain computation over the list of what people did.
        var spotReviewed = _proceeds.Where(p => p.Verdict is not null).ToList();
        var wouldChange = spotReviewed.Count(p => p.Verdict != SpotCheckVerdict.Agree);
        var overridden = _escalated.Count(e => e.Action != ReviewActionKind.Approve);
        var overEscalated = _escalated.Count(e => e.Action == ReviewActionKind.Approve || !e.Necessary);
        var cases = _proceeds.Count + _escalated.Count;

        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync("/insights");
        var text = Squash(Text(page));

        Assert.Contains($"· {wouldChange} of {spotReviewed.Count} Reviewed spot checks", text, StringComparison.Ordinal);
        Assert.Contains($"· {overridden} of {_escalated.Count} Escalated cases a person edited or rejected", text, StringComparison.Ordinal);
        Assert.Contains($"· {overEscalated} of {_escalated.Count} Escalated cases a person approved unchanged", text, StringComparison.Ordinal);
        Assert.Contains($"· {_escalated.Count} of {cases} Cases that did not proceed", text, StringComparison.Ordinal);
        Assert.Contains($"{cases} cases from", text, StringComparison.Ordinal);
        Assert.Contains($"{_escalated.Count} decided by a person, {spotReviewed.Count} of {_proceeds.Count} spot checks reviewed (0 open, "
            + $"{_proceeds.Count - spotReviewed.Count} not reviewed", text, StringComparison.Ordinal);
        Assert.Contains($"{_proceeds.Count} automatic approvals, counted in no rate but the escalation rate", text, StringComparison.Ordinal);

        // The root-cause mix: one cause per reviewed case that has one (agreeing needs none).
        var causes = spotReviewed.Select(p => p.Cause).OfType<RootCause>().Concat(_escalated.Select(e => e.Cause))
            .GroupBy(c => c).ToDictionary(g => JsonNamingPolicy.SnakeCaseLower.ConvertName(g.Key.ToString()), g => g.Count());
        Assert.Equal(causes.OrderBy(c => c.Key), RootCauseRows.Of(page).OrderBy(c => c.Key));

        // The autonomy row of support.faq rests on the spot checks alone, and refuses to recommend below the bar.
        var faq = Squash(Text(Regex.Match(page, "<tr data-workflow=\"support.faq\".*?</tr>", RegexOptions.Singleline).Value));
        Assert.Contains($"override rate: {wouldChange} overrides in {spotReviewed.Count} reviews", faq, StringComparison.Ordinal);
        Assert.Contains($"Rests on {spotReviewed.Count} reviewed cases", faq, StringComparison.Ordinal);
        Assert.Contains($"{_proceeds.Count} automatic approvals not counted", faq, StringComparison.Ordinal);
        Assert.Contains($"no recommendation for auto yet: {spotReviewed.Count} of the 100 reviewed spot checks needed", faq, StringComparison.Ordinal);
        var refund = Squash(Text(Regex.Match(page, "<tr data-workflow=\"support.refund\".*?</tr>", RegexOptions.Singleline).Value));
        Assert.Contains($"override rate: {overridden} overrides in {_escalated.Count} reviews", refund, StringComparison.Ordinal);
        // support.refund proposes payments.issue_refund, which the catalogue calls irreversible (the sample says so too).
        Assert.Contains($"reversibility: {_escalated.Count} of {_escalated.Count} proposed actions cannot be undone", refund, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_recommendation_lists_exactly_the_reviewed_cases_it_rests_on()
    {
        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync($"/insights/cases?metric=reviewed&workflow=support.faq&show=sample&{Period}");
        var listed = CaseRow().Matches(page).Select(m => Guid.Parse(m.Groups[1].Value)).Order().ToList();

        Assert.Equal(_proceeds.Where(p => p.Verdict is not null).Select(p => p.Id).Order().ToList(), listed);
        var all = CaseRow().Matches(await lena.GetStringAsync($"/insights/cases?metric=reviewed&show=sample&{Period}"))
            .Select(m => Guid.Parse(m.Groups[1].Value)).Order().ToList();
        Assert.Equal(_proceeds.Where(p => p.Verdict is not null).Select(p => p.Id).Concat(_escalated.Select(e => e.Id)).Order().ToList(), all);
    }

    [Fact]
    public async Task The_export_holds_only_reviewed_cases_with_their_root_causes_and_no_masked_value()
    {
        using var lena = await _app.SignedInAs("lena");
        using var response = await lena.GetAsync($"/api/v1/exports/evals?{Period}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

        var expected = _proceeds.Where(p => p.Verdict is not null).Select(p => (p.Id, Cause: p.Cause, Decision: p.Verdict switch
            {
                SpotCheckVerdict.WouldHaveEdited => "approved_with_edits",
                SpotCheckVerdict.WouldHaveRejected => "rejected",
                _ => "approved",
            }))
            .Concat(_escalated.Select(e => (e.Id, Cause: (RootCause?)e.Cause, Decision: e.Action switch
            {
                ReviewActionKind.Reject => "rejected",
                ReviewActionKind.ApproveWithEdits => "approved_with_edits",
                _ => "approved",
            })))
            .OrderBy(x => x.Id).ToList();
        var actual = lines.Select(l => (Id: Guid.Parse(l.GetProperty("caseId").GetString()!),
                Cause: l.GetProperty("labels").GetProperty("rootCause").ValueKind == JsonValueKind.Null ? null
                    : (RootCause?)JsonSerializer.Deserialize<RootCause>(l.GetProperty("labels").GetProperty("rootCause").GetRawText(), WorkbenchJson.Options),
                Decision: l.GetProperty("output").GetProperty("decision").GetString()!))
            .OrderBy(x => x.Id).ToList();
        Assert.Equal(expected, actual);

        // Not one masked value, anywhere: request texts, tool traces, proposals, outputs.
        Assert.NotEmpty(_secrets);
        foreach (var secret in _secrets)
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }
    }
}
