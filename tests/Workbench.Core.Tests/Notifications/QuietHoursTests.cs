using Workbench.Core.Notifications;

namespace Workbench.Core.Tests.Notifications;

/// <summary>Quiet hours and digest times in a person's own zone, with the instants worked out by hand from the zones' offsets.</summary>
public class QuietHoursTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    private static readonly QuietHours BerlinNight = new(Berlin, 22 * 60, 7 * 60);

    [Theory]
    // Winter, Berlin is UTC+1: 21:30 UTC is 22:30 there (quiet until 07:00 = 06:00 UTC the next day).
    [InlineData("2026-01-15T21:30Z", true, "2026-01-16T06:00Z")]
    // After midnight, before the end: 06:30 local, quiet until 07:00 local the same day.
    [InlineData("2026-01-15T05:30Z", true, "2026-01-15T06:00Z")]
    // The end itself is not quiet; the minute before the start is not either.
    [InlineData("2026-01-15T06:00Z", false, "2026-01-15T06:00Z")]
    [InlineData("2026-01-15T20:59Z", false, "2026-01-15T20:59Z")]
    // Summer, UTC+2: the same 22:30 local is 20:30 UTC, and 07:00 local is 05:00 UTC.
    [InlineData("2026-07-01T20:30Z", true, "2026-07-02T05:00Z")]
    // 20:30 UTC in January is 21:30 in Berlin: not yet quiet. The zone, not UTC, decides.
    [InlineData("2026-01-15T20:30Z", false, "2026-01-15T20:30Z")]
    public void Night_quiet_hours_across_midnight_follow_the_persons_zone(string at, bool quiet, string next)
    {
        var instant = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(quiet, BerlinNight.IsQuiet(instant));
        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), BerlinNight.NextAllowed(instant));
    }

    [Fact]
    public void Quiet_hours_ending_in_the_hour_skipped_by_daylight_saving_end_at_the_first_minute_after_it()
    {
        // Berlin skips 02:00–03:00 on 2026-03-29. Quiet 22:00–02:30: 02:30 never happens, so it ends at 03:00 CEST = 01:00 UTC.
        var quiet = new QuietHours(Berlin, 22 * 60, 2 * 60 + 30);
        var midnight = Utc(2026, 3, 28, 23, 0); // 00:00 CET
        Assert.True(quiet.IsQuiet(midnight));
        Assert.Equal(Utc(2026, 3, 29, 1, 0), quiet.NextAllowed(midnight));
    }

    [Fact]
    public void Daytime_quiet_hours_do_not_span_midnight()
    {
        var lunch = new QuietHours(NewYork, 12 * 60, 13 * 60);
        Assert.True(lunch.IsQuiet(Utc(2026, 1, 15, 17, 30))); // 12:30 EST
        Assert.Equal(Utc(2026, 1, 15, 18, 0), lunch.NextAllowed(Utc(2026, 1, 15, 17, 30)));
        Assert.False(lunch.IsQuiet(Utc(2026, 1, 15, 4, 30))); // 23:30 the evening before
        Assert.False(lunch.IsQuiet(Utc(2026, 1, 15, 18, 0)));
    }

    [Fact]
    public void The_same_start_and_end_is_never_quiet()
    {
        var none = new QuietHours(Berlin, 600, 600);
        Assert.False(none.IsQuiet(Utc(2026, 1, 15, 9, 0)));
    }

    [Theory]
    // Daily at 08:00 Berlin: 07:59 local gives 08:00 the same day (07:00 UTC); 08:00 itself gives the next day's (strictly after).
    [InlineData("2026-01-15T06:59Z", "2026-01-15T07:00Z")]
    [InlineData("2026-01-15T07:00Z", "2026-01-16T07:00Z")]
    // In summer 08:00 Berlin is 06:00 UTC.
    [InlineData("2026-07-01T07:00Z", "2026-07-02T06:00Z")]
    public void A_daily_digest_goes_out_at_the_persons_local_time(string after, string expected)
    {
        var at = DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DigestSchedule.Next(DigestSchedule.Daily, Berlin, 8 * 60, at));
    }

    [Fact]
    public void A_daily_digest_in_a_half_hour_zone_and_an_hourly_one_on_the_hour()
    {
        // Kolkata is UTC+5:30: 08:00 there is 02:30 UTC.
        Assert.Equal(Utc(2026, 1, 15, 2, 30), DigestSchedule.Next(DigestSchedule.Daily, Kolkata, 8 * 60, Utc(2026, 1, 15, 0, 0)));
        Assert.Equal(Utc(2026, 1, 15, 11, 0), DigestSchedule.Next(DigestSchedule.Hourly, Berlin, 0, Utc(2026, 1, 15, 10, 15)));
        Assert.Equal(Utc(2026, 1, 15, 12, 0), DigestSchedule.Next(DigestSchedule.Hourly, Berlin, 0, Utc(2026, 1, 15, 11, 0)));
    }
}
