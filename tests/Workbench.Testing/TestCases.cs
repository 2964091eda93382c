using System.Text.Json;
using Workbench.Contracts;
using Workbench.Data.Entities;

namespace Workbench.Testing;

public static class TestCases
{
    public static CaseSubmission Submission(string externalId = "ext-1") => new()
    {
        ExternalId = externalId,
        Workflow = "support.refund",
        TaskType = "refund_exception",
        RiskTier = 2,
        Requester = new Requester("cust-42", "customer", true),
        Request = "I was charged twice for order A-1042. Can you refund the duplicate? Ünïcødé ✓",
        Proposal = new Proposal(
            new ResponseProposal("Hi **{{name}}**, we refunded the duplicate charge.", new Dictionary<string, string> { ["name"] = "Dana" }),
            new ActionProposal("payments.issue_refund",
                new Dictionary<string, JsonElement> { ["orderId"] = JsonSerializer.SerializeToElement("A-1042"), ["amount"] = JsonSerializer.SerializeToElement(120.5) },
                Reversible: false)),
        Evidence =
        [
            new EvidenceItem
            {
                Id = "kb-1", Title = "Refund policy v7", Uri = "https://kb.northwind.example/refunds", Snippet = "Duplicate charges are refunded.",
                Authority = EvidenceAuthority.Authoritative, Version = "v7", PublishedAt = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero),
                Score = 0.92, Topic = "refund-policy",
            },
        ],
        Claims = [new Claim("Duplicate charges are refunded.", ["kb-1"]), new Claim("It takes 3 days.", [])],
        ToolTrace =
        [
            new ToolStep { Step = 1, Tool = "billing.lookup", Status = ToolStepStatus.Succeeded, DurationMs = 120, Input = "{\"order\":\"A-1042\"}", Output = "{\"charges\":2}" },
            new ToolStep { Step = 2, Tool = "payments.preview", Status = ToolStepStatus.Failed, DurationMs = 3000, Output = "timeout" },
        ],
        Signals = new Dictionary<string, SignalValue> { ["amount"] = 120.5, ["intent_ambiguity"] = 0.1, ["vip"] = true },
        Provenance = new Provenance("gpt-4.1", "refund@12", "kb-2026-11-18", new Dictionary<string, string> { ["payments"] = "3.4.1" }),
        CallbackUrl = "https://agent.example.com/hooks/workbench",
        Metadata = JsonSerializer.SerializeToElement(new { channel = "chat", locale = "de-DE" }),
    };

    /// <summary>A case with every part filled: evaluation, an action and the decision.</summary>
    public static CaseRecord FullRecord(Guid id, DateTimeOffset now, string clientId = "demo-agent")
    {
        var submission = Submission("ext-" + id.ToString("N")[..8]);
        return new CaseRecord
        {
            Id = id,
            ClientId = clientId,
            ExternalId = submission.ExternalId,
            Workflow = submission.Workflow,
            TaskType = submission.TaskType,
            RiskTier = 2,
            Status = CaseStatus.Decided,
            Queue = "finance",
            Priority = CasePriority.High,
            ReleaseOutcome = PathOutcome.AwaitApproval,
            ExecuteOutcome = PathOutcome.Handoff,
            ReasonCodes = " HIGH_VALUE_TRANSACTION IRREVERSIBLE_ACTION ",
            SlaDueAt = now.AddHours(4),
            ApprovalsRequired = 2,
            RequesterId = submission.Requester.Id,
            RequesterAuthenticated = true,
            RequestPreview = submission.Request,
            SubmissionJson = JsonSerializer.Serialize(submission, WorkbenchJson.Options),
            CallbackUrl = submission.CallbackUrl,
            PolicyVersion = "2026.11.1",
            CreatedAt = now,
            UpdatedAt = now,
            ClaimedBy = "felix",
            ClaimExpiresAt = now.AddMinutes(10),
            Decision = DecisionKind.ApprovedWithEdits,
            DecidedAt = now.AddMinutes(3),
            DecisionJson = "{\"decision\":\"approved_with_edits\"}",
            Evaluation = new PolicyEvaluationRecord
            {
                CaseId = id,
                Release = PathOutcome.AwaitApproval,
                Execute = PathOutcome.Handoff,
                ReasonCodesJson = "[\"HIGH_VALUE_TRANSACTION\",\"IRREVERSIBLE_ACTION\"]",
                Queue = "finance",
                Priority = CasePriority.High,
                SlaDueAt = now.AddHours(4),
                ApprovalsRequired = 2,
                RiskTier = 2,
                AutonomyStage = AutonomyStage.ApproveAll,
                PolicyVersion = "2026.11.1",
                TraceJson = "[{\"ruleId\":\"high-value\",\"fired\":true}]",
                EvaluatedAt = now,
            },
            Actions =
            [
                new ReviewActionRecord
                {
                    CaseId = id, Kind = ReviewActionKind.ApproveWithEdits, Reviewer = "felix", At = now.AddMinutes(3),
                    EditedResponse = "Hi Dana, we refunded the duplicate charge of $120.50.", EditDiffJson = "[]",
                    RootCause = RootCause.RetrievalMiss, EscalationNecessary = true,
                },
            ],
        };
    }
}
