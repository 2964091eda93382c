using Workbench.Contracts;
using Workbench.Core.Metrics;

namespace Workbench.Core.Tests.Metrics;

public sealed class ReviewerDisagreementTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static ReviewStep Step(string reviewer, ReviewActionKind kind, int minute) => new(reviewer, kind, T0.AddMinutes(minute));

    [Fact]
    public void A_second_reviewer_rejecting_an_approval_is_a_disagreement()
        => Assert.True(ReviewerDisagreement.Disagreed([Step("rita", ReviewActionKind.Approve, 0), Step("mia", ReviewActionKind.Reject, 5)]));

    [Fact]
    public void A_second_reviewer_editing_an_approval_is_a_disagreement()
        => Assert.True(ReviewerDisagreement.Disagreed([Step("rita", ReviewActionKind.Approve, 0), Step("mia", ReviewActionKind.ApproveWithEdits, 5)]));

    [Fact]
    public void Two_approvals_agree()
        => Assert.False(ReviewerDisagreement.Disagreed([Step("rita", ReviewActionKind.Approve, 0), Step("mia", ReviewActionKind.Approve, 5)]));

    [Fact]
    public void An_edit_approved_unchanged_by_the_second_reviewer_is_agreement()
        => Assert.False(ReviewerDisagreement.Disagreed([Step("rita", ReviewActionKind.ApproveWithEdits, 0), Step("mia", ReviewActionKind.Approve, 5)]));

    [Fact]
    public void A_reject_without_an_earlier_approval_by_someone_else_is_no_disagreement()
    {
        Assert.False(ReviewerDisagreement.Disagreed([Step("rita", ReviewActionKind.Reject, 0)]));
        // The same reviewer changing his own mind is not two reviewers disagreeing.
        Assert.False(ReviewerDisagreement.Disagreed([Step("rita", ReviewActionKind.Approve, 0), Step("rita", ReviewActionKind.Reject, 5)]));
    }

    [Fact]
    public void Steps_count_in_time_order_whatever_order_they_come_in()
    {
        Assert.False(ReviewerDisagreement.Disagreed([Step("mia", ReviewActionKind.Approve, 5), Step("rita", ReviewActionKind.Reject, 0)]));
        Assert.True(ReviewerDisagreement.Disagreed([Step("mia", ReviewActionKind.Reject, 5), Step("rita", ReviewActionKind.Approve, 0)]));
    }

    [Fact]
    public void Cases_are_counted_on_the_day_they_were_decided_and_outside_days_are_dropped()
    {
        var lastDay = DateOnly.FromDateTime(T0.UtcDateTime);
        FourEyesCase Case(int daysAgo, bool disagree) => new(T0.AddDays(-daysAgo),
            [Step("rita", ReviewActionKind.Approve, 0), Step("mia", disagree ? ReviewActionKind.Reject : ReviewActionKind.Approve, 1)]);
        var perDay = ReviewerDisagreement.PerDay([Case(0, true), Case(0, false), Case(6, true), Case(7, true), Case(-1, true)], lastDay);
        Assert.Equal(7, perDay.Count);
        Assert.Equal((1, 1), perDay[0]);
        Assert.Equal((1, 2), perDay[6]);
        Assert.Equal(3, perDay.Sum(d => d.Decisions));
    }

    [Fact]
    public void Disagreement_counted_from_four_eyes_cases_feeds_the_rising_rule()
    {
        var lastDay = DateOnly.FromDateTime(T0.UtcDateTime);
        var cases = new List<FourEyesCase>();
        for (var day = 0; day < 7; day++)
        {
            // 10 cases a day; 1 disagreement a day in the first four days, 4 a day in the last three.
            var disagreements = day < 4 ? 1 : 4;
            for (var i = 0; i < 10; i++)
            {
                cases.Add(new FourEyesCase(T0.AddDays(day - 6),
                    [Step("rita", ReviewActionKind.Approve, 0), Step("mia", i < disagreements ? ReviewActionKind.Reject : ReviewActionKind.Approve, 1)]));
            }
        }
        var alert = Bottlenecks.DisagreementRising(ReviewerDisagreement.PerDay(cases, lastDay));
        Assert.NotNull(alert);
        Assert.Equal("disagreement_rising", alert.Rule);
        Assert.Contains("40 %", alert.Evidence, StringComparison.Ordinal);
        Assert.Contains("10 %", alert.Evidence, StringComparison.Ordinal);

        var steady = cases.Select(c => c.DecidedAt < T0.AddDays(-2.5) ? c : c with { Steps = [Step("rita", ReviewActionKind.Approve, 0), Step("mia", ReviewActionKind.Approve, 1)] });
        Assert.Null(Bottlenecks.DisagreementRising(ReviewerDisagreement.PerDay(steady, lastDay)));
    }
}
