using Workbench.Core.Learning;

namespace Workbench.Core.Tests.Learning;

public class StatisticsTests
{
    // Expected bounds hand-computed from Wilson's formula with z = 1.959964:
    // centre = (p + z²/2n) / (1 + z²/n), half = z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n).
    [Theory]
    [InlineData(0, 412, 0.0, 0.009238)]    // "0 overrides in 412 reviews, upper bound 0.9 %"
    [InlineData(5, 10, 0.236593, 0.763407)]
    [InlineData(81, 263, 0.255289, 0.366210)]
    [InlineData(1, 20, 0.008881, 0.236131)]
    [InlineData(20, 20, 0.8388748, 1.0)]
    public void Wilson_interval_matches_the_hand_computed_bounds(int count, int total, double lower, double upper)
    {
        var p = Proportion.Of(count, total);

        Assert.Equal(lower, p.Lower, 5);
        Assert.Equal(upper, p.Upper, 5);
        Assert.Equal((double)count / total, p.Rate);
    }

    [Fact]
    public void No_sample_has_no_rate_and_the_whole_interval()
    {
        var p = Proportion.Of(0, 0);

        Assert.Null(p.Rate);
        Assert.Equal((0.0, 1.0), (p.Lower, p.Upper));
        Assert.Equal("no sample", p.ToString());
    }

    [Fact]
    public void Wilson_rejects_a_count_above_the_total()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportion.Of(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportion.Of(-1, 2));
    }

    [Fact]
    public void Kappa_of_the_textbook_two_by_two_table_is_0_4()
    {
        // 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → po = 0.70, pe = 0.5·0.6 + 0.5·0.4 = 0.50, κ = 0.40.
        var pairs = Enumerable.Repeat(("yes", "yes"), 20)
            .Concat(Enumerable.Repeat(("yes", "no"), 5))
            .Concat(Enumerable.Repeat(("no", "yes"), 10))
            .Concat(Enumerable.Repeat(("no", "no"), 15));

        var a = CohenKappa.Compute(pairs);

        Assert.Equal(50, a.Pairs);
        Assert.Equal(0.70, a.ObservedAgreement, 10);
        Assert.Equal(0.50, a.ExpectedAgreement, 10);
        Assert.Equal(0.40, a.Kappa!.Value, 10);
    }

    [Fact]
    public void Kappa_over_three_labels()
    {
        // approve/approve 6, edit/edit 2, reject/reject 1, approve/edit 1 (n = 10):
        // po = 0.9; first: A 7, E 2, R 1; second: A 6, E 3, R 1 → pe = .42 + .06 + .01 = .49; κ = .41 / .51.
        var pairs = Enumerable.Repeat(("approve", "approve"), 6)
            .Concat(Enumerable.Repeat(("edit", "edit"), 2))
            .Append(("reject", "reject"))
            .Append(("approve", "edit"));

        var a = CohenKappa.Compute(pairs);

        Assert.Equal(0.41 / 0.51, a.Kappa!.Value, 10);
    }

    [Fact]
    public void Kappa_is_negative_when_raters_systematically_disagree_and_undefined_without_variety()
    {
        var opposite = CohenKappa.Compute([("a", "b"), ("b", "a")]);
        Assert.Equal(-1.0, opposite.Kappa!.Value, 10);

        var same = CohenKappa.Compute([("a", "a"), ("a", "a")]);
        Assert.Equal(1.0, same.ObservedAgreement);
        Assert.Null(same.Kappa);

        Assert.Null(CohenKappa.Compute([]).Kappa);
    }
}
