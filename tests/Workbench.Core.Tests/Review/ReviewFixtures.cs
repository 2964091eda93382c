using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Review;
using Workbench.Core.Tests.Policy;

namespace Workbench.Core.Tests.Review;

/// <summary>Cases, reviewers and the rules the review rule tests share: the default policy, a 10-minute lease.</summary>
internal static class ReviewFixtures
{
    public static readonly DateTimeOffset Now = TestPolicies.Now;
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    public static readonly Reviewer Rita = new("rita", false);
    public static readonly Reviewer Mia = new("mia", false);
    public static readonly Reviewer Lena = new("lena", true);
    /// <summary>The principal that submitted the fixture cases.</summary>
    public static readonly Reviewer Agent = new("demo-agent", false);
    /// <summary>On the agent's self-approval deny list.</summary>
    public static readonly Reviewer Owner = new("owner-of-demo-agent", false);

    public static ReviewRules Rules { get; } = new(TestPolicies.Default, Lease,
        new Dictionary<string, string[]> { ["demo-agent"] = ["owner-of-demo-agent"], ["other-agent"] = ["rita"] });

    public const string ProposedText = "Your refund of 120 EUR is on its way.";

    public static readonly string SubmissionJson = JsonSerializer.Serialize(new CaseSubmission
    {
        ExternalId = "ext-1",
        Workflow = "support.refund",
        TaskType = "refund",
        Requester = new Requester("cust-9", "customer", true),
        Request = "Refund order A-1",
        Proposal = new Proposal(
            new ResponseProposal(ProposedText),
            new ActionProposal("refunds.issue", new Dictionary<string, JsonElement> { ["amount"] = JsonSerializer.SerializeToElement(120) }, true)),
    }, WorkbenchJson.Options);

    public static ReviewCase Queued(int approvals = 1, string queue = "policy-legal") => new()
    {
        Id = Guid.Parse("0190f1a0-0000-7000-8000-000000000001"),
        ExternalId = "ext-1",
        ClientId = "demo-agent",
        Status = CaseStatus.Queued,
        Workflow = "support.refund",
        Queue = queue,
        ApprovalsRequired = approvals,
        PolicyVersion = "2026.11.1",
        SubmissionJson = SubmissionJson,
        Revision = 3,
    };

    /// <summary>A case the reviewer claimed a minute ago.</summary>
    public static ReviewCase HeldBy(Reviewer who, int approvals = 1, string queue = "policy-legal") =>
        Queued(approvals, queue) with { Status = CaseStatus.InReview, ClaimedBy = who.UserName, ClaimExpiresAt = Now + Lease - TimeSpan.FromMinutes(1) };

    /// <summary>The fixture's action is a refund (money, irreversible in the catalogue): an approval names the tool it executes.</summary>
    public const string Tool = "refunds.issue";

    public static ReviewActionRequest Approve => new() { Action = ReviewActionKind.Approve, ConfirmedTool = Tool };

    public static ReviewActionRequest Edit(string text) => new() { Action = ReviewActionKind.ApproveWithEdits, EditedResponse = text, ConfirmedTool = Tool, RootCause = RootCause.Prompt };

    public static ReviewActionRequest Reject(string code, string? note = null) =>
        new() { Action = ReviewActionKind.Reject, RejectReasonCode = code, Note = note, RootCause = RootCause.RetrievalConflict };

    public static ReviewOutcome.Changed Changed(ReviewOutcome outcome) => Assert.IsType<ReviewOutcome.Changed>(outcome);

    public static ReviewRefusal Refused(ReviewOutcome outcome) => Assert.IsType<ReviewOutcome.Refused>(outcome).Refusal;

    /// <summary>Event data as the product writes it (a person's text shows as its <c>AuditFreeText</c> here).</summary>
    public static string Json(object data) => JsonSerializer.Serialize(data, WorkbenchJson.Options);

    public static DecisionView DecisionOf(ReviewCase c) => JsonSerializer.Deserialize<DecisionView>(c.DecisionJson!, WorkbenchJson.Options)!;
}
