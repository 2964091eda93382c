using Workbench.Core.Metrics;

namespace Workbench.Core.Tests.Metrics;

public class ErlangCTests
{
    // The worked example of Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example":
    // 100 calls in 30 minutes (200 an hour), 180 s average handle time, target 80 % answered within 20 s.
    // Traffic intensity 10 erlangs; with 11 agents the probability of waiting is 68.2 % and 39.0 % are answered in
    // 20 s; 14 agents are needed. Hand-checked with the formula: 14 agents answer 88.8 % within 20 s (P(wait) 17.4 %,
    // ASA 7.8 s); 13 give 79.6 %, just short.
    private static readonly TimeSpan Aht = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(20);

    [Fact]
    public void Traffic_intensity_is_arrivals_times_handle_time()
        => Assert.Equal(10, ErlangC.Erlangs(200, Aht), 9);

    [Fact]
    public void Published_example_eleven_agents()
    {
        Assert.Equal(0.6821, ErlangC.ProbabilityOfWaiting(11, 10), 4);
        Assert.Equal(0.3896, ErlangC.ServiceLevel(11, 10, Aht, Target), 4);
    }

    [Fact]
    public void Published_example_needs_fourteen_agents()
    {
        var f = ErlangC.AgentsNeeded(200, Aht, 0.80, Target);
        Assert.Equal(14, f.Agents);
        Assert.Equal(0.8884, f.ServiceLevel, 4);
        Assert.Equal(0.1741, f.ProbabilityOfWaiting, 4);
        Assert.Equal(7.84, f.AverageSpeedOfAnswer.TotalSeconds, 2);
        Assert.True(ErlangC.ServiceLevel(13, 10, Aht, Target) < 0.80);
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(3, 2.0)]
    [InlineData(11, 10.0)]
    [InlineData(20, 17.3)]
    public void The_iterative_form_equals_the_textbook_formula(int n, double a)
    {
        // C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{i<N} A^i/i! + A^N/N! · N/(N−A)), written out directly for small N.
        double term = 1, sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += term;
            term *= a / (i + 1);
        }
        var top = term * n / (n - a);
        Assert.Equal(top / (sum + top), ErlangC.ProbabilityOfWaiting(n, a), 12);
    }

    [Fact]
    public void A_single_server_waits_with_probability_equal_to_its_utilisation()
        => Assert.Equal(0.5, ErlangC.ProbabilityOfWaiting(1, 0.5), 12); // M/M/1: P(wait) = ρ

    [Fact]
    public void Large_loads_stay_finite_and_need_just_over_the_load()
    {
        // 5,000 erlangs: A^N/N! overflows a double long before this; the recursion does not.
        var f = ErlangC.AgentsNeeded(100_000, TimeSpan.FromMinutes(3), 0.80, TimeSpan.FromSeconds(20));
        Assert.Equal(5000, f.Erlangs, 6);
        Assert.InRange(f.Agents, 5001, 5100);
        Assert.True(double.IsFinite(f.ProbabilityOfWaiting) && f.ServiceLevel >= 0.80);
        Assert.True(ErlangC.ServiceLevel(f.Agents - 1, f.Erlangs, TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(20)) < 0.80);
    }

    [Fact]
    public void Too_few_agents_never_catch_up()
    {
        Assert.Equal(1, ErlangC.ProbabilityOfWaiting(10, 10));
        Assert.Equal(0, ErlangC.ServiceLevel(9, 10, Aht, Target));
    }

    [Fact]
    public void No_arrivals_need_no_agents()
        => Assert.Equal(0, ErlangC.AgentsNeeded(0, Aht, 0.8, Target).Agents);

    [Fact]
    public void A_target_outside_zero_to_one_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => ErlangC.AgentsNeeded(10, Aht, 1.2, Target));
}
