using Workbench.Contracts;
using Workbench.Core.Learning;

namespace Workbench.Core.Tests.Learning;

public class LearningMetricsTests
{
    private static CaseFacts Case(PathOutcome path, DecisionKind? decision = null, bool spot = false, bool? necessary = null,
        RootCause? cause = null, DownstreamOutcome? downstream = null, DecisionKind? second = null) =>
        new(Guid.NewGuid(), "support.refund", path, spot, decision, necessary, cause, downstream, second);

    /// <summary>A sampled proceed case: the AI system got an automatic approval; the spot check is where a person comes in.</summary>
    private static CaseFacts Spot(SpotCheckVerdict? verdict, SpotCheckState state = SpotCheckState.Reviewed, RootCause? cause = null) =>
        new(Guid.NewGuid(), "support.refund", PathOutcome.Proceed, true, null, null, cause, null, null, verdict is null ? state : SpotCheckState.Reviewed, verdict);

    /// <summary>An automatic approval as the database holds it: the policy's "approved" in the decision column.</summary>
    private static CaseFacts Auto(bool sampled = false) =>
        new(Guid.NewGuid(), "support.refund", PathOutcome.Proceed, sampled, DecisionKind.Approved, null, null, null, null,
            sampled ? SpotCheckState.Open : null);

    [Fact]
    public void Every_rate_matches_the_hand_counted_fixture()
    {
        CaseFacts[] cases =
        [
            // 4 proceed: 3 spot-checked (agree, would have edited, would have rejected), 1 not sampled.
            Spot(SpotCheckVerdict.Agree),
            Spot(SpotCheckVerdict.WouldHaveEdited, cause: RootCause.Prompt),
            Spot(SpotCheckVerdict.WouldHaveRejected, cause: RootCause.RetrievalMiss),
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
        // Reviewed (what autonomy rests on): 5 decisions (3 changed) + 3 spot-check verdicts (2 would have changed).
        Assert.Equal((5, 8), (m.Reviewed.Count, m.Reviewed.Total));
        Assert.Equal((5, 4), (m.HumanDecided, m.AutoApproved));
        Assert.Equal(new SpotCheckTally(3, 3, 0, 0), m.SpotChecks);
    }

    /// <summary>
    /// Automatic approvals carry the policy's "approved" in the decision column. Added to the fixture — sampled or not —
    /// they change no rate but the escalation rate's denominator: each assertion fails if one were counted as a review.
    /// </summary>
    [Fact]
    public void Automatic_approvals_are_counted_apart_and_in_no_human_rate()
    {
        CaseFacts[] people =
        [
            Spot(SpotCheckVerdict.WouldHaveEdited, cause: RootCause.Prompt),
            Spot(null, SpotCheckState.NotReviewed),
            Spot(null, SpotCheckState.Open),
            Case(PathOutcome.AwaitApproval, DecisionKind.Rejected, necessary: true),
            Case(PathOutcome.AwaitApproval, DecisionKind.Approved, necessary: true),
        ];
        var before = LearningMetrics.Compute(people);
        var after = LearningMetrics.Compute([.. people, .. Enumerable.Range(0, 7).Select(i => Auto(sampled: i % 2 == 0))]);

        Assert.Equal((1, 1), (after.FalseAutonomy.Count, after.FalseAutonomy.Total));
        Assert.Equal(before.FalseAutonomy, after.FalseAutonomy);
        Assert.Equal((1, 2), (after.Override.Count, after.Override.Total));
        Assert.Equal(before.Override, after.Override);
        Assert.Equal((1, 2), (after.OverEscalation.Count, after.OverEscalation.Total));
        Assert.Equal(before.OverEscalation, after.OverEscalation);
        Assert.Equal((2, 3), (after.Reviewed.Count, after.Reviewed.Total));
        Assert.Equal(before.Reviewed, after.Reviewed);
        Assert.Equal(2, after.HumanDecided);
        // Counted, separately: 3 + 7 automatic approvals; 3 + 4 sampled, of which 1 reviewed, 5 open, 1 aged out.
        Assert.Equal(10, after.AutoApproved);
        Assert.Equal(new SpotCheckTally(7, 1, 5, 1), after.SpotChecks);
        Assert.Equal((2, 12), (after.Escalation.Count, after.Escalation.Total));
        // An aged-out spot check is not agreement: it is in no sample, so it cannot lower the false-autonomy rate.
        Assert.False(LearningMetrics.Member(LearningMetric.FalseAutonomy, people[1]).InSample);
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
        new(Proportion.Of(overrides, reviews), Proportion.Of(wrongAuto, spotChecks), Proportion.Of(sufficient, cases),
            Proportion.Of(reversible ? 0 : 3, 40));

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
        Assert.Contains(noSpotChecks.Checks, c => c.Name == "spot-check sample" && !c.Passed);

        var wrongAuto = AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000, 5, 1000));
        Assert.False(wrongAuto.Ready);
        Assert.Contains(wrongAuto.Checks, c => c.Name == "false autonomy" && !c.Passed);

        var irreversible = AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000, 0, 1000, reversible: false));
        Assert.False(irreversible.Ready);
        Assert.Contains(irreversible.Checks, c => c.Name == "reversibility" && !c.Passed && c.Evidence.StartsWith("3 of 40 proposed actions cannot be undone", StringComparison.Ordinal));

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

    [Fact]
    public void No_recommendation_for_auto_while_the_spot_check_sample_is_below_the_bar()
    {
        // 0 wrong in 99 reviewed spot checks: below the bar of 100, so no recommendation either way — even with a bar on
        // the upper bound the sample could clear.
        var thresholds = new AutonomyThresholds(MaxFalseAutonomyUpper: 0.5, MinSpotChecks: 100);
        var r = AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000, 0, 99), thresholds);

        Assert.False(r.Ready);
        Assert.Contains(r.Checks, c => c.Name == "spot-check sample" && !c.Passed && c.Evidence == "99 reviewed spot checks (needs 100)");
        Assert.Equal("no recommendation for auto yet: 99 of the 100 reviewed spot checks needed", r.Summary);
        Assert.True(AutonomyReadiness.Recommend(AutonomyStage.Sampled, Evidence(0, 1000, 0, 100), thresholds).Ready);
    }
}
