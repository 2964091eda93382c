using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Learning;
using Workbench.Core.Tests.Policy;

namespace Workbench.Core.Tests.Learning;

/// <summary>Reversibility and evidence sufficiency read from the trace the policy engine stored for a case.</summary>
public class EvaluationFactsTests
{
    private static readonly DateTimeOffset Now = TestPolicies.Now;

    private static CaseSubmission Refund(string workflow, string tool, bool clientSaysReversible, int evidenceAgeDays) => new()
    {
        ExternalId = "r-1",
        Workflow = workflow,
        TaskType = "refund",
        Requester = new Requester("cust-9", "customer", true),
        Request = "Refund order A-1",
        Proposal = new Proposal(
            new ResponseProposal("Done.", new Dictionary<string, string> { ["order_id"] = "A-1" }),
            new ActionProposal(tool, new Dictionary<string, JsonElement> { ["amount"] = JsonDocument.Parse("20").RootElement }, clientSaysReversible)),
        Evidence = [new EvidenceItem { Id = "p1", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds", Authority = EvidenceAuthority.Authoritative, Topic = "refunds", Version = "v1", PublishedAt = Now.AddDays(-evidenceAgeDays) }],
        Claims = [new Claim("Refunds are allowed", ["p1"])],
    };

    private static EvaluationFacts Facts(CaseSubmission s) =>
        EvaluationFacts.From(TestPolicies.Default.Evaluate(s, Guid.Parse("00000000-0000-0000-0000-000000000001"), Now).Trace);

    [Fact]
    public void The_action_s_reversibility_is_the_policy_s_judgement_at_evaluation()
    {
        // The client calls the refund reversible; the catalogue says refunds.issue is not: the policy's judgement counts.
        Assert.True(Facts(Refund("support.refund", "refunds.issue", clientSaysReversible: true, 10)).ActionIrreversible);
        Assert.False(Facts(Refund("billing.refund", "billing.credit", clientSaysReversible: true, 10)).ActionIrreversible);
        Assert.Null(Facts(Refund("support.refund", "refunds.issue", true, 10) with { Proposal = new Proposal(new ResponseProposal("Done.", null), null) })
            .ActionIrreversible);
    }

    [Fact]
    public void Stale_evidence_is_insufficient_as_missing_evidence_is()
    {
        var stale = TestPolicies.Default.Evaluate(Refund("support.refund", "refunds.issue", false, 400), Guid.NewGuid(), Now);
        Assert.Contains("STALE_EVIDENCE", stale.ReasonCodes);
        Assert.True(EvaluationFacts.From(stale.Trace).EvidenceInsufficient);

        var missing = Refund("support.refund", "refunds.issue", false, 10) with { Evidence = [], Claims = [] };
        Assert.True(Facts(missing).EvidenceInsufficient);

        Assert.False(Facts(Refund("support.refund", "refunds.issue", false, 10)).EvidenceInsufficient);
    }

    [Fact]
    public void An_answer_held_for_a_source_the_policy_does_not_list_is_held_for_its_evidence()
    {
        // A listed source beside a blog the AI system calls authoritative: only the unlisted-source rule holds the answer.
        var faq = Refund("support.faq", "refunds.issue", false, 10) with
        {
            Proposal = new Proposal(new ResponseProposal("Refunds reach the card within five working days.", null), null),
            Evidence =
            [
                new EvidenceItem { Id = "p1", Title = "Refund policy", Uri = "https://policies.northwind.example/refunds", Authority = EvidenceAuthority.Authoritative, Version = "v1", PublishedAt = Now.AddDays(-10) },
                new EvidenceItem { Id = "b", Title = "A blog", Uri = "https://refund-tips.example/fast", Authority = EvidenceAuthority.Authoritative, PublishedAt = Now.AddDays(-2) },
            ],
            Claims = [],
        };
        var held = TestPolicies.Default.Evaluate(faq, Guid.NewGuid(), Now);
        Assert.Equal(["UNLISTED_AUTHORITATIVE_SOURCE"], held.ReasonCodes);
        Assert.True(EvaluationFacts.From(held.Trace).EvidenceInsufficient);
    }
}
