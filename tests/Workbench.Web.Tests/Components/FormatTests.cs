using Workbench.Contracts;
using Workbench.Web.Components.Shared;

namespace Workbench.Web.Tests.Components;

public sealed class FormatTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(CaseStatus.InReview, "in review")]
    [InlineData(CaseStatus.AwaitingInfo, "awaiting info")]
    [InlineData(CaseStatus.Queued, "queued")]
    [InlineData(CaseStatus.ClarificationRequested, "clarification requested")]
    public void Case_statuses_read_as_words(CaseStatus status, string words) => Assert.Equal(words, Format.Words(status));

    [Theory]
    [InlineData(ToolStepStatus.TimedOut, "timed out")]
    [InlineData(ToolStepStatus.Succeeded, "succeeded")]
    public void Tool_step_statuses_read_as_words(ToolStepStatus status, string words) => Assert.Equal(words, Format.Words(status));

    [Fact]
    public void Snake_spells_an_enum_as_the_api_does() => Assert.Equal("await_approval", Format.Snake(PathOutcome.AwaitApproval));

    [Fact]
    public void Moments_are_written_in_utc_whatever_their_offset()
    {
        var at = new DateTimeOffset(2026, 11, 25, 14, 5, 9, TimeSpan.FromHours(2));
        Assert.Equal("2026-11-25", Format.Day(at));
        Assert.Equal("2026-11-25 12:05", Format.Minute(at));
        Assert.Equal("2026-11-25 12:05 UTC", Format.MinuteUtc(at));
        Assert.Equal("2026-11-25 12:05:09", Format.Second(at));
        Assert.Equal("—", Format.MinuteUtc((DateTimeOffset?)null));
    }

    [Theory]
    [InlineData(null, "—")]
    [InlineData(30.0, "just now")]
    [InlineData(45 * 60.0, "45 min")]
    [InlineData(26 * 3600.0 + 5 * 60, "26h 05m")]
    [InlineData(3 * 86400.0 + 7200, "3 days")]
    public void Age_grows_from_minutes_to_days(double? seconds, string text) =>
        Assert.Equal(text, Format.Age(seconds is { } s ? TimeSpan.FromSeconds(s) : null));

    [Theory]
    [InlineData(20.0, "<1 min left")]
    [InlineData(25 * 60.0, "25 min left")]
    [InlineData(5 * 3600.0 + 56 * 60, "5 h 56 min left")]
    [InlineData(-(5 * 3600.0 + 56 * 60), "5 h 56 min late")]
    [InlineData(2 * 86400.0 + 3 * 3600, "2 d 3 h left")]
    public void Sla_time_left_says_late_once_past_due(double seconds, string text) =>
        Assert.Equal(text, Format.SlaLeft(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void A_period_is_whole_hours_or_minutes()
    {
        Assert.Equal("4 h", Format.Period(TimeSpan.FromHours(4)));
        Assert.Equal("90 min", Format.Period(TimeSpan.FromMinutes(90)));
        Assert.Equal("30 min", Format.Period(TimeSpan.FromMinutes(30)));
        Assert.Equal("—", Format.Period(null));
    }

    [Fact]
    public void Durations_in_minutes_and_milliseconds()
    {
        Assert.Equal("12 min", Format.Minutes(TimeSpan.FromMinutes(12)));
        Assert.Equal("850 ms", Format.Milliseconds(850));
        Assert.Equal($"{2.5:0.0} s", Format.Milliseconds(2500));
    }

    [Fact]
    public void Until_never_goes_negative()
    {
        Assert.Equal("in 0 min", Format.Until(TimeSpan.FromMinutes(-3)));
        Assert.Equal("in 40 min", Format.Until(TimeSpan.FromMinutes(40)));
        Assert.Equal("in 2 h", Format.Until(TimeSpan.FromHours(2)));
        Assert.Equal("in 2 d", Format.Until(TimeSpan.FromDays(2)));
    }

    [Fact]
    public void From_now_says_ago_for_the_past_and_in_for_the_future()
    {
        Assert.Equal("—", Format.FromNow(null, Now));
        Assert.Equal("40 s ago", Format.FromNow(Now.AddSeconds(-40), Now));
        Assert.Equal("in 5 min", Format.FromNow(Now.AddMinutes(5), Now));
        Assert.Equal("in 2 h", Format.FromNow(Now.AddHours(2), Now));
    }

    [Fact]
    public void Ago_is_accurate_to_the_minute_at_best()
    {
        Assert.Equal("within the last minute", Format.Ago(Now.AddSeconds(-30), Now));
        Assert.Equal("12 min ago", Format.Ago(Now.AddMinutes(-12), Now));
        Assert.Equal("5 h ago", Format.Ago(Now.AddHours(-5), Now));
        Assert.Equal("3 days ago", Format.Ago(Now.AddDays(-3), Now));
    }
}
