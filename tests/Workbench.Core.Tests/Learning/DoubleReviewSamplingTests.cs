using Workbench.Contracts;
using Workbench.Core.Learning;
using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Learning;

public class DoubleReviewSamplingTests
{
    private static readonly Guid[] Ids = Enumerable.Range(0, 20_000).Select(i => Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddSeconds(i * 7919))).ToArray();

    [Fact]
    public void A_share_of_zero_samples_nothing_and_one_samples_everything()
    {
        Assert.DoesNotContain(Ids, id => DoubleReviewSampling.IsSampled(id, 0));
        Assert.All(Ids, id => Assert.True(DoubleReviewSampling.IsSampled(id, 1)));
    }

    [Fact]
    public void The_sample_is_close_to_the_share_and_the_same_every_time()
    {
        var sampled = Ids.Count(id => DoubleReviewSampling.IsSampled(id, 0.05));
        Assert.InRange(sampled, 800, 1200); // 5 % of 20,000 = 1,000; a binomial sd is ~31
        Assert.Equal(sampled, Ids.Count(id => DoubleReviewSampling.IsSampled(id, 0.05)));
    }

    [Fact]
    public void The_double_review_sample_does_not_follow_the_spot_check_sample()
    {
        // Both at 20 %: independent samples overlap on ~4 % of the cases; the same hash would overlap on 20 %.
        var both = Ids.Count(id => DoubleReviewSampling.IsSampled(id, 0.2) && CompiledPolicy.IsSampled(id, 0.2));
        Assert.InRange(both, 600, 1000);
    }

    [Fact]
    public void A_workflow_override_replaces_the_default_share()
    {
        var overrides = new Dictionary<string, double> { ["billing.refund"] = 1.0, ["support.faq"] = 0 };
        Assert.Equal(1.0, DoubleReviewSampling.ShareFor("billing.refund", 0.05, overrides));
        Assert.Equal(0, DoubleReviewSampling.ShareFor("support.faq", 0.05, overrides));
        Assert.Equal(0.05, DoubleReviewSampling.ShareFor("sales.contract", 0.05, overrides));
        Assert.Equal(0.05, DoubleReviewSampling.ShareFor("sales.contract", 0.05, null));
    }
}

public class LearningMetricMembershipTests
{
    private static CaseFacts Case(PathOutcome path, DecisionKind? decision = null, bool spot = false, bool? necessary = null,
        DownstreamOutcome? downstream = null, DecisionKind? second = null) =>
        new(Guid.NewGuid(), "support.refund", path, spot, decision, necessary, null, downstream, second);

    public static TheoryData<string> Metrics() => [.. Enum.GetValues<LearningMetric>().Select(LearningMetrics.Slug)];

    private static readonly CaseFacts[] Fixture =
    [
        // Automatic approvals carry the policy's "approved"; the people come in through the spot checks.
        Case(PathOutcome.Proceed, DecisionKind.Approved, spot: true) with { SpotCheck = SpotCheckState.Reviewed, Verdict = SpotCheckVerdict.Agree },
        Case(PathOutcome.Proceed, DecisionKind.Approved, spot: true, downstream: DownstreamOutcome.Correct)
            with { SpotCheck = SpotCheckState.Reviewed, Verdict = SpotCheckVerdict.WouldHaveEdited },
        Case(PathOutcome.Proceed, DecisionKind.Approved),
        Case(PathOutcome.AwaitApproval, DecisionKind.Approved, necessary: true, second: DecisionKind.Approved),
        Case(PathOutcome.Handoff, DecisionKind.Rejected, necessary: false, downstream: DownstreamOutcome.Complaint, second: DecisionKind.Approved),
        Case(PathOutcome.Handoff, DecisionKind.ApprovedWithEdits, second: DecisionKind.ApprovedWithEdits),
        Case(PathOutcome.Clarify),
        Case(PathOutcome.Handoff, DecisionKind.Expired),
    ];

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Each_rate_counts_exactly_its_members(string slug)
    {
        var metric = LearningMetrics.FromSlug(slug)!.Value;
        var snapshot = LearningMetrics.Compute(Fixture);
        var members = Fixture.Select(f => LearningMetrics.Member(metric, f)).ToList();
        var (count, total) = (members.Count(m => m.Counted), members.Count(m => m.InSample));
        Assert.All(members, m => Assert.True(m.InSample || !m.Counted)); // nothing counted outside its sample
        var expected = metric switch
        {
            LearningMetric.Escalation => (snapshot.Escalation.Count, snapshot.Escalation.Total),
            LearningMetric.FalseAutonomy => (snapshot.FalseAutonomy.Count, snapshot.FalseAutonomy.Total),
            LearningMetric.OverEscalation => (snapshot.OverEscalation.Count, snapshot.OverEscalation.Total),
            LearningMetric.Override => (snapshot.Override.Count, snapshot.Override.Total),
            LearningMetric.DownstreamIncorrect => (snapshot.DownstreamIncorrect.Count, snapshot.DownstreamIncorrect.Total),
            LearningMetric.Reviewed => (snapshot.Reviewed.Count, snapshot.Reviewed.Total),
            LearningMetric.Disagreement => (snapshot.Disagreement.Pairs - (int)Math.Round(snapshot.Disagreement.ObservedAgreement * snapshot.Disagreement.Pairs),
                snapshot.Disagreement.Pairs),
            _ => throw new ArgumentOutOfRangeException(nameof(slug)),
        };
        Assert.Equal(expected, (count, total));
    }

    [Fact]
    public void The_hand_counted_members_of_the_fixture()
    {
        int[] Counted(LearningMetric m) => [.. Fixture.Select((f, i) => (f, i)).Where(x => LearningMetrics.Member(m, x.f).Counted).Select(x => x.i)];
        Assert.Equal([3, 4, 5, 6, 7], Counted(LearningMetric.Escalation));
        Assert.Equal([1], Counted(LearningMetric.FalseAutonomy));
        Assert.Equal([3, 4], Counted(LearningMetric.OverEscalation));
        Assert.Equal([4, 5], Counted(LearningMetric.Override));
        Assert.Equal([4], Counted(LearningMetric.DownstreamIncorrect));
        Assert.Equal([4], Counted(LearningMetric.Disagreement));
        Assert.Equal([1, 4, 5], Counted(LearningMetric.Reviewed));
    }

    [Fact]
    public void Kappa_over_double_reviews_uses_approve_edit_reject_labels()
    {
        var snapshot = LearningMetrics.Compute(Fixture);
        // Pairs: (approved, approved), (rejected, approved), (edited, edited): po = 2/3;
        // first: A 1, R 1, E 1; second: A 2, E 1 → pe = 1/3·2/3 + 1/3·0 + 1/3·1/3 = 1/3; κ = (2/3 − 1/3) / (2/3) = 0.5.
        Assert.Equal(3, snapshot.Disagreement.Pairs);
        Assert.Equal(0.5, snapshot.Disagreement.Kappa!.Value, 10);
    }

    [Theory]
    [InlineData("false-autonomy", LearningMetric.FalseAutonomy)]
    [InlineData("downstream-incorrect", LearningMetric.DownstreamIncorrect)]
    [InlineData("disagreement", LearningMetric.Disagreement)]
    public void Slugs_round_trip(string slug, LearningMetric metric)
    {
        Assert.Equal(slug, LearningMetrics.Slug(metric));
        Assert.Equal(metric, LearningMetrics.FromSlug(slug));
        Assert.Null(LearningMetrics.FromSlug("FalseAutonomy"));
    }
}
