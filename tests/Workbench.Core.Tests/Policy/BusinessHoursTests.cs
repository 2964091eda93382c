using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

public class BusinessHoursTests
{
    private static readonly HashSet<DayOfWeek> Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];
    private static readonly HashSet<DayOfWeek> EveryDay = [.. Enum.GetValues<DayOfWeek>()];

    private static BusinessHours Office(string zone = "Europe/Berlin", params DateOnly[] holidays) =>
        new(TimeZoneInfo.FindSystemTimeZoneById(zone), Weekdays, new TimeOnly(9, 0), TimeSpan.FromHours(17), holidays.ToHashSet());

    private static BusinessHours AllDay(string zone) =>
        new(TimeZoneInfo.FindSystemTimeZoneById(zone), EveryDay, TimeOnly.MinValue, TimeSpan.FromHours(24), new HashSet<DateOnly>());

    private static DateTimeOffset Local(string zone, int y, int mo, int d, int h, int mi = 0)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var local = new DateTime(y, mo, d, h, mi, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, tz.GetUtcOffset(local));
    }

    [Fact]
    public void Four_business_hours_from_Friday_16_00_are_due_Monday_12_00()
    {
        // 2026-11-27 is a Friday: one hour on Friday, three on Monday.
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 27, 16), TimeSpan.FromHours(4), Office());
        Assert.Equal(Local("Europe/Berlin", 2026, 11, 30, 12), due);
    }

    [Fact]
    public void Due_times_are_utc_whatever_the_queues_zone()
    {
        // Regression: a +01:00 due time could not be written to PostgreSQL's timestamptz.
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 27, 16), TimeSpan.FromHours(4), Office());
        Assert.Equal(TimeSpan.Zero, due.Offset);
    }

    [Fact]
    public void Within_one_day_the_due_time_is_plain_addition()
    {
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 25, 10), TimeSpan.FromHours(2), Office());
        Assert.Equal(Local("Europe/Berlin", 2026, 11, 25, 12), due);
    }

    [Fact]
    public void Work_that_fills_the_day_exactly_is_due_at_closing_time()
    {
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 27, 16), TimeSpan.FromHours(1), Office());
        Assert.Equal(Local("Europe/Berlin", 2026, 11, 27, 17), due);
    }

    [Fact]
    public void A_case_started_before_opening_counts_from_opening()
    {
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 25, 6, 30), TimeSpan.FromHours(2), Office());
        Assert.Equal(Local("Europe/Berlin", 2026, 11, 25, 11), due);
    }

    [Fact]
    public void A_case_started_after_closing_counts_from_the_next_opening()
    {
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 25, 19), TimeSpan.FromMinutes(30), Office());
        Assert.Equal(Local("Europe/Berlin", 2026, 11, 26, 9, 30), due);
    }

    [Fact]
    public void A_case_started_on_Saturday_counts_from_Monday_opening()
    {
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 11, 28, 11), TimeSpan.FromHours(1), Office());
        Assert.Equal(Local("Europe/Berlin", 2026, 11, 30, 10), due);
    }

    [Fact]
    public void Holidays_are_skipped()
    {
        // Thursday 24 and Friday 25 December are holidays: Wednesday 16:00 + 4h runs to Monday 28th 12:00.
        var hours = Office("Europe/Berlin", new DateOnly(2026, 12, 24), new DateOnly(2026, 12, 25));
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 12, 23, 16), TimeSpan.FromHours(4), hours);
        Assert.Equal(Local("Europe/Berlin", 2026, 12, 28, 12), due);
    }

    [Fact]
    public void The_window_is_local_time_in_the_queues_zone()
    {
        // 09:00–17:00 in New York is 14:00–22:00 UTC in November: a case at 13:00 UTC waits for 14:00 UTC.
        var start = new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero);
        var due = SlaClock.DueAt(start, TimeSpan.FromHours(1), Office("America/New_York"));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero), due);
    }

    [Fact]
    public void Spring_forward_weekend_keeps_local_opening_hours()
    {
        // Europe moves to summer time on Sunday 2026-03-29: Friday is UTC+1, Monday UTC+2.
        var start = Local("Europe/Berlin", 2026, 3, 27, 16);
        var due = SlaClock.DueAt(start, TimeSpan.FromHours(4), Office());
        Assert.Equal(TimeSpan.FromHours(1), start.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.FromHours(2)), due);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 10, 0, 0, TimeSpan.Zero), due.ToUniversalTime());
    }

    [Fact]
    public void Fall_back_weekend_keeps_local_opening_hours()
    {
        // Europe returns to winter time on Sunday 2026-10-25: Friday is UTC+2, Monday UTC+1.
        var due = SlaClock.DueAt(Local("Europe/Berlin", 2026, 10, 23, 16), TimeSpan.FromHours(4), Office());
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 11, 0, 0, TimeSpan.Zero), due.ToUniversalTime());
    }

    [Fact]
    public void On_the_spring_forward_day_a_round_the_clock_window_has_23_hours()
    {
        // US summer time starts Sunday 2026-03-08 at 02:00: that local day is 23 hours long.
        var hours = AllDay("America/New_York");
        var start = Local("America/New_York", 2026, 3, 8, 0);
        Assert.Equal(TimeSpan.FromHours(23), hours.Between(start, Local("America/New_York", 2026, 3, 9, 0)));
        Assert.Equal(start.AddHours(24), SlaClock.DueAt(start, TimeSpan.FromHours(24), hours));
        Assert.Equal(Local("America/New_York", 2026, 3, 9, 1), SlaClock.DueAt(start, TimeSpan.FromHours(24), hours));
    }

    [Fact]
    public void On_the_fall_back_day_a_round_the_clock_window_has_25_hours()
    {
        // US summer time ends Sunday 2026-11-01 at 02:00: that local day is 25 hours long.
        var hours = AllDay("America/New_York");
        var start = Local("America/New_York", 2026, 11, 1, 0);
        Assert.Equal(TimeSpan.FromHours(25), hours.Between(start, Local("America/New_York", 2026, 11, 2, 0)));
        Assert.Equal(Local("America/New_York", 2026, 11, 1, 23), SlaClock.DueAt(start, TimeSpan.FromHours(24), hours));
    }

    [Fact]
    public void A_window_opening_inside_the_spring_forward_gap_opens_at_the_end_of_the_gap()
    {
        // 02:30 does not exist on 2026-03-29 in Berlin; the 02:30–05:00 window opens at 03:00 local (01:00 UTC).
        var hours = new BusinessHours(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), EveryDay, new TimeOnly(2, 30), TimeSpan.FromHours(5), new HashSet<DateOnly>());
        var (open, close) = hours.Window(new DateOnly(2026, 3, 29));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), open.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.Zero), close.ToUniversalTime());
    }

    [Fact]
    public void A_queue_without_business_hours_runs_round_the_clock()
    {
        var start = new DateTimeOffset(2026, 11, 27, 16, 0, 0, TimeSpan.Zero);
        Assert.Equal(start.AddHours(4), SlaClock.DueAt(start, TimeSpan.FromHours(4), null));
        // Over a DST change too: wall-clock hours are real hours.
        var dst = new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.FromHours(1));
        Assert.Equal(dst.AddHours(4), SlaClock.DueAt(dst, TimeSpan.FromHours(4), null));
    }

    [Fact]
    public void The_share_left_counts_business_time_only()
    {
        // 4h SLA from Friday 16:00 (due Monday 12:00). On Saturday noon three of four business hours are left.
        var hours = Office();
        var start = Local("Europe/Berlin", 2026, 11, 27, 16);
        var due = SlaClock.DueAt(start, TimeSpan.FromHours(4), hours);
        Assert.Equal(0.75, SlaClock.ShareLeft(start, due, Local("Europe/Berlin", 2026, 11, 28, 12), hours), 6);
        Assert.Equal(0.25, SlaClock.ShareLeft(start, due, Local("Europe/Berlin", 2026, 11, 30, 11), hours), 6);
        Assert.True(SlaClock.ShareLeft(start, due, Local("Europe/Berlin", 2026, 11, 30, 13), hours) < 0);
    }

    [Fact]
    public void A_resumed_clock_keeps_the_time_that_was_left_at_the_pause()
    {
        // Paused Friday 16:30 with 3.5 business hours left, resumed Tuesday 10:00: due Tuesday 13:30.
        var hours = Office();
        var start = Local("Europe/Berlin", 2026, 11, 27, 16);
        var due = SlaClock.DueAt(start, TimeSpan.FromHours(4), hours);
        var (newStart, newDue) = SlaClock.Resume(start, due, Local("Europe/Berlin", 2026, 11, 27, 16, 30), Local("Europe/Berlin", 2026, 12, 1, 10), hours);
        Assert.Equal(Local("Europe/Berlin", 2026, 12, 1, 13, 30), newDue);
        Assert.InRange(hours.Between(newStart, newDue), TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(4) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Business_hours_need_a_working_day_and_a_window()
    {
        var zone = TimeZoneInfo.Utc;
        Assert.Throws<ArgumentException>(() => new BusinessHours(zone, new HashSet<DayOfWeek>(), new TimeOnly(9, 0), TimeSpan.FromHours(17), new HashSet<DateOnly>()));
        Assert.Throws<ArgumentException>(() => new BusinessHours(zone, Weekdays, new TimeOnly(17, 0), TimeSpan.FromHours(9), new HashSet<DateOnly>()));
    }
}

public class BusinessHoursPolicyTests
{
    private const string Policy = """
        version: "t1"
        calendars:
          berlin-office:
            time_zone: Europe/Berlin
            days: [mon, tue, wed, thu, fri]
            hours: "09:00-17:00"
            holidays: [2026-12-24, 2026-12-25]
        workflows:
          demo:
            tier: 1
            queue: main
            autonomy: auto
            timeout: 3d
            on_timeout: reject
        queues:
          main:
            sla: { await_approval: 4h, handoff: 8h }
            business_hours: berlin-office
            pause_while_awaiting_info: true
            on_breach: [raise_priority, alert_lead]
          round-the-clock:
            sla: { await_approval: 4h }
          inline:
            sla: { await_approval: 1h }
            business_hours: { time_zone: America/New_York, days: [sat, sun], hours: "10:00-14:00" }
        rules: []
        """;

    [Fact]
    public void A_queue_names_a_calendar_and_its_sla_runs_in_business_time()
    {
        var result = PolicyLoader.Load(Policy);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var main = result.Policy!.FindQueue("main")!;
        Assert.True(main.PauseWhileAwaitingInfo);
        Assert.Equal(BreachActions.RaisePriority | BreachActions.AlertLead, main.OnBreach);
        var friday = new DateTimeOffset(2026, 11, 27, 16, 0, 0, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.FromHours(1)), main.DueAt(SlaKind.AwaitApproval, CasePriority.Normal, friday));
        Assert.Equal(friday.AddHours(4), result.Policy.FindQueue("round-the-clock")!.DueAt(SlaKind.AwaitApproval, CasePriority.Normal, friday));
        Assert.Null(result.Policy.FindQueue("round-the-clock")!.Hours);
        Assert.Equal(BreachActions.RaisePriority | BreachActions.Escalate | BreachActions.AlertLead, result.Policy.FindQueue("round-the-clock")!.OnBreach);
        Assert.True(result.Policy.FindQueue("inline")!.Hours!.Days.SetEquals([DayOfWeek.Saturday, DayOfWeek.Sunday]));
        var demo = result.Policy.Workflows["demo"];
        Assert.Equal(TimeSpan.FromDays(3), demo.Timeout);
        Assert.Equal(TimeoutDecision.Reject, demo.OnTimeout);
    }

    [Theory]
    [InlineData("time_zone: Europe/Berlin", "time_zone: Mars/Olympus", "not a known IANA time zone")]
    [InlineData("hours: \"09:00-17:00\"", "hours: \"17:00-09:00\"", "must be like 09:00-17:00")]
    [InlineData("days: [mon, tue, wed, thu, fri]", "days: [monday]", "is not one of mon")]
    [InlineData("holidays: [2026-12-24, 2026-12-25]", "holidays: [24.12.2026]", "is not a date")]
    [InlineData("business_hours: berlin-office", "business_hours: paris-office", "is not a calendar of the policy")]
    [InlineData("on_breach: [raise_priority, alert_lead]", "on_breach: [page_the_ceo]", "is not one of raise_priority")]
    [InlineData("on_timeout: reject", "on_timeout: shrug", "on_timeout 'shrug'")]
    public void A_bad_calendar_or_sla_setting_is_refused_with_its_line(string good, string bad, string message)
    {
        var yaml = Policy.Replace(good, bad, StringComparison.Ordinal);
        var result = PolicyLoader.Load(yaml);
        Assert.Null(result.Policy);
        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        var line = yaml.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains(bad, StringComparison.Ordinal)).i + 1;
        Assert.Equal(line, error.Line);
    }
}
