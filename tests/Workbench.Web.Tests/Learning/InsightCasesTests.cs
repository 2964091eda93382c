using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Learning;
using Workbench.Data.Entities;
using Workbench.Web.Learning;

namespace Workbench.Web.Tests.Learning;

/// <summary>Every rate on /insights links to the list of its cases: the list holds exactly the cases the rate counts.</summary>
public sealed partial class InsightCasesTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, Guid> _ids = [];

    [GeneratedRegex("data-case-id=\"([0-9a-f-]{36})\"")]
    private static partial Regex CaseRow();

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        // name, workflow, path, spot-checked, decision, escalation necessary, downstream, second opinion, days ago
        await AddAsync("A", "support.refund", PathOutcome.Handoff, false, DecisionKind.Approved, false, null, null, 1);
        await AddAsync("B", "support.refund", PathOutcome.AwaitApproval, false, DecisionKind.ApprovedWithEdits, true, null, null, 2);
        await AddAsync("C", "billing.refund", PathOutcome.Handoff, false, DecisionKind.Rejected, null, DownstreamOutcome.Complaint, null, 3);
        await AddAsync("D", "support.faq", PathOutcome.Proceed, true, DecisionKind.ApprovedWithEdits, null, null, null, 1);
        await AddAsync("E", "support.faq", PathOutcome.Proceed, true, DecisionKind.Approved, null, DownstreamOutcome.Correct, null, 2);
        await AddAsync("F", "support.faq", PathOutcome.Proceed, false, DecisionKind.Approved, null, null, null, 1);
        await AddAsync("G", "support.refund", PathOutcome.Handoff, false, null, null, null, null, 1);
        await AddAsync("H", "support.refund", PathOutcome.AwaitApproval, false, DecisionKind.Approved, null, null, DecisionKind.Rejected, 4);
        await AddAsync("I", "billing.refund", PathOutcome.Handoff, false, DecisionKind.Rejected, null, null, DecisionKind.Rejected, 5);
        await AddAsync("J", "support.refund", PathOutcome.Handoff, false, DecisionKind.Rejected, null, DownstreamOutcome.Incorrect, DecisionKind.Approved, 40);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task AddAsync(string name, string workflow, PathOutcome path, bool spot, DecisionKind? decision, bool? necessary,
        DownstreamOutcome? downstream, DecisionKind? second, int daysAgo)
    {
        var id = Guid.NewGuid();
        _ids[name] = id;
        var at = _now.AddDays(-daysAgo);
        var submission = TestCases.Submission("case-" + name) with { Workflow = workflow };
        await _app.WithDbAsync(async db =>
        {
            db.Cases.Add(new CaseRecord
            {
                Id = id,
                ClientId = "demo-agent",
                ExternalId = "case-" + name,
                Workflow = workflow,
                TaskType = "t",
                RiskTier = 1,
                // A proceed case is an automatic approval whether sampled or not: the policy's "approved" is in the decision
                // column, and a person's view of it is the spot check's verdict.
                Status = path == PathOutcome.Proceed ? CaseStatus.AutoApproved : decision is null ? CaseStatus.Queued : CaseStatus.Decided,
                Queue = path == PathOutcome.Proceed ? (spot ? "spot-check" : null) : "support",
                ReleaseOutcome = path,
                ExecuteOutcome = path,
                ReasonCodes = " ",
                SpotCheck = spot,
                RequesterId = "u",
                RequestPreview = "Request of case " + name,
                SubmissionJson = JsonSerializer.Serialize(submission, WorkbenchJson.Options),
                PolicyVersion = "2026.11.1",
                CreatedAt = at,
                UpdatedAt = at,
                Decision = path == PathOutcome.Proceed ? DecisionKind.Approved : decision,
                DecidedAt = path == PathOutcome.Proceed ? at : decision is null ? null : at.AddMinutes(5),
            });
            if (spot)
            {
                db.SpotChecks.Add(new SpotCheckRecord
                {
                    CaseId = id,
                    Workflow = workflow,
                    Queue = "spot-check",
                    SampledAt = at,
                    AgesOutAt = at.AddDays(7),
                    Verdict = decision switch
                    {
                        DecisionKind.ApprovedWithEdits => SpotCheckVerdict.WouldHaveEdited,
                        DecisionKind.Rejected => SpotCheckVerdict.WouldHaveRejected,
                        DecisionKind.Approved => SpotCheckVerdict.Agree,
                        _ => null,
                    },
                    Reviewer = decision is null ? null : "mia",
                    ReviewedAt = decision is null ? null : at.AddMinutes(5),
                });
            }
            if (decision is not null && path != PathOutcome.Proceed)
            {
                db.ReviewActions.Add(new ReviewActionRecord
                {
                    CaseId = id,
                    Kind = ReviewActionKind.Approve,
                    Reviewer = "rita",
                    At = at.AddMinutes(5),
                    EscalationNecessary = necessary,
                });
            }
            if (downstream is { } outcome)
            {
                db.DownstreamOutcomes.Add(new DownstreamOutcomeRecord { CaseId = id, Outcome = outcome, ReportedBy = "demo-agent", ReportedAt = at.AddHours(1) });
            }
            if (second is not null)
            {
                db.DoubleReviews.Add(new DoubleReviewRecord
                {
                    CaseId = id,
                    Workflow = workflow,
                    Queue = "support",
                    ReadyAt = at.AddMinutes(5),
                    Verdict = second,
                    Reviewer = "mia",
                    ReviewedAt = at.AddHours(2),
                });
            }
            return await db.SaveChangesAsync();
        });
    }

    public static TheoryData<string, string, string> Expected() => new()
    {
        // metric, counted, whole sample (cases A–I are in the 30 days; J is 40 days old)
        { "escalation", "ABCGHI", "ABCDEFGHI" },
        { "false-autonomy", "D", "DE" },
        { "over-escalation", "AH", "ABCHI" },
        { "override", "BCI", "ABCHI" },
        { "downstream-incorrect", "C", "CE" },
        { "disagreement", "H", "HI" },
        // What autonomy rests on: decisions and spot-check verdicts; F (an automatic approval nobody checked) is in no sample.
        { "reviewed", "BCDI", "ABCDEHI" },
    };

    private string Query(string metric, string? workflow = null, string? show = null) =>
        $"/insights/cases?metric={metric}&from={Uri.EscapeDataString(_now.AddDays(-30).ToString("O"))}&to={Uri.EscapeDataString(_now.AddMinutes(1).ToString("O"))}" +
        (workflow is null ? "" : "&workflow=" + workflow) + (show is null ? "" : "&show=" + show);

    private string Names(IEnumerable<Guid> ids) => string.Concat(ids.Select(id => _ids.Single(kv => kv.Value == id).Key).Order());

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task The_list_behind_a_rate_holds_exactly_the_cases_it_counts(string metric, string counted, string sample)
    {
        using var lena = await _app.SignedInAs("lena");
        var countedPage = await lena.GetStringAsync(Query(metric));
        var samplePage = await lena.GetStringAsync(Query(metric, show: "sample"));
        Assert.Equal(counted, Names(CaseRow().Matches(countedPage).Select(m => Guid.Parse(m.Groups[1].Value))));
        Assert.Equal(sample, Names(CaseRow().Matches(samplePage).Select(m => Guid.Parse(m.Groups[1].Value))));
        // Each row links to its case page.
        foreach (var name in counted)
        {
            Assert.Contains($"href=\"/cases/{_ids[name.ToString()]}\"", countedPage, StringComparison.Ordinal);
        }

        // And the rate /insights shows has the same count and sample.
        var report = await _app.Services.GetRequiredService<InsightsService>().ReportAsync(_now.AddDays(-30), _now.AddMinutes(1), null, CancellationToken.None);
        var rate = LearningMetrics.FromSlug(metric) switch
        {
            LearningMetric.Escalation => report.All.Escalation,
            LearningMetric.FalseAutonomy => report.All.FalseAutonomy,
            LearningMetric.OverEscalation => report.All.OverEscalation,
            LearningMetric.Override => report.All.Override,
            LearningMetric.DownstreamIncorrect => report.All.DownstreamIncorrect,
            LearningMetric.Reviewed => report.All.Reviewed,
            _ => Proportion.Of(report.All.Disagreement.Pairs - (int)Math.Round(report.All.Disagreement.ObservedAgreement * report.All.Disagreement.Pairs),
                report.All.Disagreement.Pairs),
        };
        Assert.Equal((counted.Length, sample.Length), (rate.Count, rate.Total));
    }

    [Fact]
    public async Task A_workflow_narrows_the_list_as_it_narrows_the_rate()
    {
        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync(Query("override", "billing.refund"));
        Assert.Equal("CI", Names(CaseRow().Matches(page).Select(m => Guid.Parse(m.Groups[1].Value))));
    }

    [Fact]
    public async Task Insights_links_every_rate_to_its_list()
    {
        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync("/insights");
        foreach (var metric in new[] { "escalation", "false-autonomy", "over-escalation", "override", "downstream-incorrect", "disagreement" })
        {
            Assert.Contains($"data-testid=\"rate-link-{metric}\"", page, StringComparison.Ordinal);
            Assert.Contains($"/insights/cases?metric={metric}&amp;", page, StringComparison.Ordinal);
        }
        // The per-workflow rows link to lists narrowed to their workflow.
        Assert.Contains("metric=override&amp;from=", page, StringComparison.Ordinal);
        Assert.Contains("workflow=billing.refund", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/insights/cases?metric=luck&from=2026-11-01&to=2026-11-02", "is not a rate")]
    [InlineData("/insights/cases?metric=override&from=yesterday&to=2026-11-02", "is not a date")]
    [InlineData("/insights/cases?metric=override&from=2026-11-03&to=2026-11-02", "must be before")]
    [InlineData("/insights/cases?metric=override", "is missing")]
    public async Task A_bad_link_says_what_is_wrong(string url, string message)
    {
        using var lena = await _app.SignedInAs("lena");
        var page = await lena.GetStringAsync(url);
        Assert.Contains(message, page, StringComparison.Ordinal);
        Assert.Contains("insight-cases-error", page, StringComparison.Ordinal);
        Assert.DoesNotMatch(CaseRow(), page);
    }

    [Fact]
    public async Task The_list_is_for_leads_only()
    {
        using var rita = await _app.SignedInAs("rita");
        using var response = await rita.GetAsync(Query("override"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }
}
