using Workbench.Contracts;
using Workbench.Core.Learning;

namespace Workbench.Core.Tests.Learning;

public class LearningMetricsTests
{
    private static CaseFacts Case(PathOutcome path, DecisionKind? decision = null, bool spot = false, bool? necessary = null,
        RootCause? cause = null, DownstreamOutcome? downstream = null, DecisionKind? second = null) =>
        new(Guid.NewGuid(), "support.refund", path, spot, decision, necessary, cause, downstream, second);

    [Fact]
    public void Every_rate_matches_the_hand_counted_fixture()
    {
        CaseFacts[] cases =
        [
            // 4 proceed: 3 spot-checked (1 approved, 1 edited, 1 rejected), 1 not sampled.
            Case(PathOutcome.Proceed, DecisionKind.Approved, spot: true),
            Case(PathOutcome.Proceed, DecisionKind.ApprovedWithEdits, spot: true, cause: RootCause.Prompt),
            Case(PathOutcome.Proceed, DecisionKind.Rejected, spot: true, cause: RootCause.RetrievalMiss),
            Case(PathOutcome.Proceed),
            // 6 escalated: 5 decided by a person, 1 expired (no human decision).
            Case(PathOutcome.AwaitApproval, DecisionKind.Approved, necessary: true, downstream: DownstreamOutcome.Correct),
            Case(PathOutcome.AwaitApproval, DecisionKind.Approved, necessary: false, cause: RootCause.PolicyTooStrict,
                downstream: DownstreamOutcome.Correct, second: DecisionKind.Approved),
            Case(PathOutcome.AwaitApproval, DecisionKind.ApprovedWithEdits, necessary: true, cause: RootCause.Prompt,
                downstream: DownstreamOutcome.Complaint, second: DecisionKind.Rejected),
            Case(PathOutcome.Handoff, DecisionKind.Rejected, necessary: false, cause: RootCause.Prompt, second: DecisionKind.Rejected),
            Case(PathOutcome.Clarify, DecisionKind.ApprovedWithEdits, necessary: true, downstream: DownstreamOutcome.RolledBack),
            Case(PathOutcome.Handoff, DecisionKind.Expired),
        ];

        var m = LearningMetrics.Compute(cases);

        Assert.Equal(10, m.Cases);
        Assert.Equal((6, 10), (m.Escalation.Count, m.Escalation.Total));
        // Spot checks: edited + rejected = 2 of 3 reviewed.
        Assert.Equal((2, 3), (m.FalseAutonomy.Count, m.FalseAutonomy.Total));
        // Over-escalation: approved unchanged (2) or marked not necessary (the rejected handoff) = 3 of 5 decided.
        Assert.Equal((3, 5), (m.OverEscalation.Count, m.OverEscalation.Total));
        // Override: edits (2) + rejection (1) = 3 of 5.
        Assert.Equal((3, 5), (m.Override.Count, m.Override.Total));
        // Double reviews: (Approved, Approved), (ApprovedWithEdits, Rejected), (Rejected, Rejected): po = 2/3;
        // first A1 E1 R1, second A1 R2 → pe = 1/9 + 0 + 2/9 = 1/3 → κ = (2/3 − 1/3) / (2/3) = 0.5.
        Assert.Equal(3, m.Disagreement.Pairs);
        Assert.Equal(0.5, m.Disagreement.Kappa!.Value, 10);
        Assert.Equal(3, m.RootCauses[RootCause.Prompt]);
        Assert.Equal(1, m.RootCauses[RootCause.RetrievalMiss]);
        Assert.Equal(1, m.RootCauses[RootCause.PolicyTooStrict]);
        Assert.Equal(2, m.Downstream[DownstreamOutcome.Correct]);
        Assert.Equal((2, 4), (m.DownstreamIncorrect.Count, m.DownstreamIncorrect.Total));
    }

    [Fact]
    public void No_cases_gives_empty_samples_not_zero_rates()
    {
        var m = LearningMetrics.Compute([]);

        Assert.Null(m.Escalation.Rate);
        Assert.Null(m.FalseAutonomy.Rate);
        Assert.Null(m.Disagreement.Kappa);
        Assert.Empty(m.RootCauses);
    }

    private static AutonomyEvidence Evidence(int overrides, int reviews, int wrongAuto = 0, int spotChecks = 0,
        int sufficient = 100, int cases = 100, bool reversible = true) =>
        new(Proportion.Of(overrides, reviews), Proportion.Of(wrongAuto, spotChecks), Proportion.Of(sufficient, cases), reversible);

    [Fact]
    public void Recommends_sampled_with_the_issue_s_wording_when_every_bar_is_cleared()
    {
        var r = AutonomyReadiness.Recommend(AutonomyStage.ApproveAll, Evidence(0, 412, sufficient: 400, cases: 412),
            new AutonomyThresholds(MinReviews: 200, MaxOverrideUpper: 0.01));

        Assert.True(r.Ready);
        Assert.Equal(AutonomyStage.Sampled, r.Next);
        Assert.Equal("ready for sampled: 0 overrides in 412 reviews, upper bound 0.9 %", r.Summary);
    }

    [Fact]
    public void Few_reviews_are_not_evidence_even_with_no_overrides()
    {
        var r = AutonomyReadiness.Recommend(AutonomyStage.ApproveAll, Evidence(0, 12));

        Assert.False(r.Ready);
        Assert.Contains(r.Checks, c => c.Name == "enough reviews" && !c.Passed);
        // 0 of 12 has an upper bound of 24.2 %: far above a 2 % bar.
        Assert.Contains(r.Checks, c => c.Name == "override rate" && !c.Passed && c.Evidence.Contains("24.2 %", StringComparison.Ordinal));
        Assert.StartsWith("not yet ready for sampled: ", r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_needs_spot_check_evidence_and_reversible_actions()
    {
        var noSpotChecks = AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000));
        Assert.False(noSpotChecks.Ready);
        Assert.Contains(noSpotChecks.Checks, c => c.Name == "false autonomy" && !c.Passed);

        var irreversible = AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000, 0, 1000, reversible: false));
        Assert.False(irreversible.Ready);
        Assert.Contains(irreversible.Checks, c => c.Name == "reversibility" && !c.Passed);

        var ready = AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000, 0, 1000));
        Assert.True(ready.Ready);
        Assert.Equal(AutonomyStage.Auto, ready.Next);
    }

    [Fact]
    public void Insufficient_evidence_blocks_the_next_stage()
    {
        var r = AutonomyReadiness.Recommend(AutonomyStage.RecommendOnly, Evidence(0, 1000, sufficient: 80, cases: 100));

        Assert.False(r.Ready);
        Assert.Contains(r.Checks, c => c.Name == "evidence sufficiency" && !c.Passed);
    }

    [Fact]
    public void Auto_is_the_last_stage()
    {
        var r = AutonomyReadiness.Recommend(AutonomyStage.Auto, Evidence(0, 1000));

        Assert.Null(r.Next);
        Assert.False(r.Ready);
    }
}
