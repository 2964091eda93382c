using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Data.Entities;

namespace Workbench.Web.Tests.Learning;

/// <summary>The eval export (JSONL) against the real app: filters, masking, audit, authorization.</summary>
public sealed class EvalExportTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new()
    {
        Settings =
        {
            ["Learning:SensitiveFields:0"] = "requester.id",
            ["Learning:SensitiveFields:1"] = "proposal.action.parameters.card_number",
            ["Learning:SensitiveFields:2"] = "evidence.snippet",
        },
    };

    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private Guid _refund;
    private Guid _billing;

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        _refund = await AddAsync("009-", "support.refund", _now.AddDays(-2), DecisionKind.ApprovedWithEdits, RootCause.Prompt, " HIGH_VALUE_TRANSACTION ", true);
        _billing = await AddAsync("017-", "billing.refund", _now.AddDays(-10), DecisionKind.Rejected, RootCause.RetrievalMiss, " CRITICAL_TIER ", false);
        await AddAsync("009-", "support.refund", _now.AddDays(-1), null, null, " HIGH_VALUE_TRANSACTION ", false); // not reviewed: never exported
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<Guid> AddAsync(string sample, string workflow, DateTimeOffset at, DecisionKind? decision, RootCause? cause, string reasons, bool secret)
    {
        var json = Samples.Json(sample);
        json["requester"]!["id"] = "cust-SECRET-" + Guid.NewGuid().ToString("N")[..6];
        if (secret)
        {
            json["proposal"]!["action"]!["parameters"]!["card_number"] = "4111111111111111";
        }
        var submission = json.Deserialize<CaseSubmission>(WorkbenchJson.Options)!;
        var id = Guid.NewGuid();
        await _app.WithDbAsync(async db =>
        {
            db.Cases.Add(new CaseRecord
            {
                Id = id, ClientId = "demo-agent", ExternalId = submission.ExternalId, Workflow = workflow, TaskType = submission.TaskType, RiskTier = 2,
                Status = decision is null ? CaseStatus.Queued : CaseStatus.Decided, Queue = "support", ReasonCodes = reasons,
                RequesterId = submission.Requester.Id, RequestPreview = "r", SubmissionJson = JsonSerializer.Serialize(submission, WorkbenchJson.Options),
                PolicyVersion = "2026.11.1", CreatedAt = at, UpdatedAt = at, Decision = decision, DecidedAt = decision is null ? null : at.AddMinutes(5),
                DecisionJson = decision is null ? null : JsonSerializer.Serialize(new DecisionView
                {
                    CaseId = id, Decision = decision.Value, ResponseText = "Edited answer", Reviewers = ["rita"], DecidedAt = at.AddMinutes(5), PolicyVersion = "2026.11.1",
                    ActionParameters = secret ? new Dictionary<string, JsonElement> { ["card_number"] = JsonSerializer.SerializeToElement("4111111111111111"), ["amount"] = JsonSerializer.SerializeToElement(80) } : null,
                }, WorkbenchJson.Options),
            });
            if (cause is not null)
            {
                db.ReviewActions.Add(new ReviewActionRecord { CaseId = id, Kind = ReviewActionKind.Reject, Reviewer = "rita", At = at.AddMinutes(5), RootCause = cause, EscalationNecessary = true });
            }
            db.DownstreamOutcomes.Add(new DownstreamOutcomeRecord { CaseId = id, Outcome = DownstreamOutcome.Correct, ReportedBy = "demo-agent", ReportedAt = at.AddHours(1) });
            return await db.SaveChangesAsync();
        });
        return id;
    }

    private async Task<List<JsonElement>> ExportAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/v1/exports/evals" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("4111111111111111", text, StringComparison.Ordinal);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task Export_holds_reviewed_cases_only_with_input_output_and_labels_and_masks_sensitive_fields()
    {
        using var lena = await _app.SignedInAs("lena");
        var lines = await ExportAsync(lena, "");

        Assert.Equal(2, lines.Count);
        var refund = lines.Single(l => l.GetProperty("caseId").GetString() == _refund.ToString());
        Assert.Equal("***", refund.GetProperty("input").GetProperty("requester").GetProperty("id").GetString());
        Assert.Equal("***", refund.GetProperty("input").GetProperty("proposal").GetProperty("action").GetProperty("parameters").GetProperty("card_number").GetString());
        Assert.Equal("***", refund.GetProperty("output").GetProperty("actionParameters").GetProperty("card_number").GetString());
        Assert.Equal(80, refund.GetProperty("output").GetProperty("actionParameters").GetProperty("amount").GetInt32());
        Assert.All(refund.GetProperty("input").GetProperty("evidence").EnumerateArray(), e =>
            Assert.True(!e.TryGetProperty("snippet", out var s) || s.GetString() == "***"));
        Assert.False(string.IsNullOrEmpty(refund.GetProperty("input").GetProperty("request").GetString()));
        Assert.Equal("approved_with_edits", refund.GetProperty("output").GetProperty("decision").GetString());
        Assert.Equal("Edited answer", refund.GetProperty("output").GetProperty("responseText").GetString());
        var labels = refund.GetProperty("labels");
        Assert.Equal("prompt", labels.GetProperty("rootCause").GetString());
        Assert.True(labels.GetProperty("escalationNecessary").GetBoolean());
        Assert.Equal(["HIGH_VALUE_TRANSACTION"], labels.GetProperty("reasonCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("correct", labels.GetProperty("downstreamOutcome").GetString());

        var audit = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == "eval.exported").ToListAsync());
        Assert.Equal("lena", Assert.Single(audit).Actor);
    }

    [Theory]
    [InlineData("?workflow=support.refund", "refund")]
    [InlineData("?workflow=billing.refund", "billing")]
    [InlineData("?rootCause=retrieval_miss", "billing")]
    [InlineData("?reasonCode=HIGH_VALUE_TRANSACTION", "refund")]
    [InlineData("?reasonCode=CRITICAL_TIER&rootCause=retrieval_miss", "billing")]
    [InlineData("?rootCause=prompt&workflow=billing.refund", "")]
    public async Task Export_filters_by_workflow_root_cause_and_reason_code(string query, string expected)
    {
        using var lena = await _app.SignedInAs("lena");
        var ids = (await ExportAsync(lena, query)).Select(l => Guid.Parse(l.GetProperty("caseId").GetString()!)).ToList();
        Assert.Equal(expected switch { "refund" => [_refund], "billing" => [_billing], _ => [] }, ids);
    }

    [Fact]
    public async Task Export_filters_by_period()
    {
        using var lena = await _app.SignedInAs("lena");
        var from = Uri.EscapeDataString(_now.AddDays(-5).ToString("O"));
        var to = Uri.EscapeDataString(_now.AddDays(-5).ToString("O"));
        Assert.Equal([_refund.ToString()], (await ExportAsync(lena, $"?from={from}")).Select(l => l.GetProperty("caseId").GetString()));
        Assert.Equal([_billing.ToString()], (await ExportAsync(lena, $"?to={to}")).Select(l => l.GetProperty("caseId").GetString()));
    }

    [Theory]
    [InlineData("?rootCause=bad_luck", "rootCause")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?reasonCode=drop%20table", "reasonCode")]
    [InlineData("?from=2026-11-10&to=2026-11-01", "from")]
    public async Task A_bad_filter_is_a_validation_problem_and_writes_nothing(string query, string field)
    {
        using var lena = await _app.SignedInAs("lena");
        using var response = await lena.GetAsync("/api/v1/exports/evals" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:workbench:problem:validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Type == "eval.exported")));
    }
}
