using Workbench.Core.Metrics;

namespace Workbench.Core.Tests.Metrics;

public class BottleneckTests
{
    [Fact]
    public void A_queue_with_more_arrivals_than_completions_is_growing()
    {
        var alert = Bottlenecks.ArrivalsExceedCompletions("finance", 12, 7);
        Assert.NotNull(alert);
        Assert.Equal("finance", alert.Queue);
        Assert.Contains("12 arrived and 7 were completed", alert.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7, 7)]   // keeping up
    [InlineData(5, 9)]   // shrinking
    [InlineData(2, 0)]   // too few to matter
    public void A_queue_keeping_up_raises_nothing(int arrivals, int completions)
        => Assert.Null(Bottlenecks.ArrivalsExceedCompletions("finance", arrivals, completions));

    [Fact]
    public void One_reason_code_above_half_of_the_arrivals_fires()
    {
        var alert = Bottlenecks.DominantReasonCode("support", 40, new Dictionary<string, int> { ["STALE_EVIDENCE"] = 21, ["MISSING_AUTH_SOURCE"] = 9 });
        Assert.NotNull(alert);
        Assert.Contains("21 of 40", alert.Evidence, StringComparison.Ordinal);
        Assert.Contains("STALE_EVIDENCE", alert.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_half_or_a_small_sample_does_not_fire()
    {
        Assert.Null(Bottlenecks.DominantReasonCode("support", 40, new Dictionary<string, int> { ["STALE_EVIDENCE"] = 20 }));
        Assert.Null(Bottlenecks.DominantReasonCode("support", 6, new Dictionary<string, int> { ["STALE_EVIDENCE"] = 6 }));
    }

    [Fact]
    public void One_specialist_queue_holding_most_exceptions_fires()
    {
        var alert = Bottlenecks.ExceptionsPileUp(new Dictionary<string, int> { ["security"] = 14, ["policy-legal"] = 4, ["brand"] = 2 });
        Assert.NotNull(alert);
        Assert.Equal("security", alert.Queue);
    }

    [Fact]
    public void Exceptions_spread_over_queues_do_not_fire()
        => Assert.Null(Bottlenecks.ExceptionsPileUp(new Dictionary<string, int> { ["security"] = 8, ["policy-legal"] = 7, ["brand"] = 6 }));

    [Fact]
    public void A_doubling_after_a_publish_fires()
    {
        var alert = Bottlenecks.SpikeAfterPublish("2026.11.2", 4, 9);
        Assert.NotNull(alert);
        Assert.Contains("2026.11.2", alert.Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 7)]   // up, but not doubled
    [InlineData(1, 3)]   // tripled, but tiny
    public void A_modest_change_after_a_publish_does_not_fire(double before, double after)
        => Assert.Null(Bottlenecks.SpikeAfterPublish("2026.11.2", before, after));

    [Fact]
    public void Rising_disagreement_fires()
    {
        (int, int)[] days = [(1, 20), (1, 20), (0, 20), (1, 20), (4, 20), (5, 20), (4, 20)];
        var alert = Bottlenecks.DisagreementRising(days);
        Assert.NotNull(alert);
        Assert.Contains("22 %", alert.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Steady_disagreement_does_not_fire()
    {
        (int, int)[] days = [(3, 20), (3, 20), (3, 20), (3, 20), (3, 20), (4, 20), (3, 20)];
        Assert.Null(Bottlenecks.DisagreementRising(days));
    }
}
