using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>
/// The due time an escalated case gets, end to end (intake on the API, the SLA monitor, the case row, the audit and
/// the case's API view), against a plain computation written here from the policy's figures: security's SLA for a
/// hand-off at the raised priority, counted from the breach in the legal office's hours.
/// </summary>
public sealed class EscalationDeadlineTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;
    private readonly string _policyPath;

    public EscalationDeadlineTests()
    {
        // The shipped policy with policy-legal on 4 h round the clock escalating to security, and security working
        // the legal office's hours (Berlin, Monday to Friday 09:00-17:00, the office's holidays).
        _policyPath = PolicyFiles.Write(PolicyFiles.LegalEscalatingToSecurity, ("""
                  urgent: { await_approval: 15m, handoff: 1h }
                roles: [Reviewer, Lead]
                groups: [security-oncall]
            """, """
                  urgent: { await_approval: 15m, handoff: 1h }
                business_hours: legal-office
                roles: [Reviewer, Lead]
                groups: [security-oncall]
            """));
        _app = SlaTestApp.On(_policyPath, _clock);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        File.Delete(_policyPath);
    }

    /// <summary>Security's SLA for a hand-off as the shipped policy writes it (<c>sla</c>, <c>priority_sla</c>).</summary>
    private static TimeSpan SecurityHandoff(CasePriority p) => p switch
    {
        CasePriority.Urgent => TimeSpan.FromHours(1),
        CasePriority.High => TimeSpan.FromHours(2),
        _ => TimeSpan.FromHours(4),
    };

    /// <summary>
    /// <paramref name="work"/> of the legal office's time from <paramref name="from"/>: day by day, the part of each
    /// working day's 09:00-17:00 (Berlin wall clock) after <paramref name="from"/>, until the work is used up.
    /// </summary>
    private static DateTimeOffset LegalOfficeDue(DateTimeOffset from, TimeSpan work)
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        DateOnly[] holidays = [new(2026, 12, 24), new(2026, 12, 25), new(2026, 12, 26), new(2026, 12, 31), new(2027, 1, 1)];
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, berlin).DateTime);
        for (var left = work; ; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || holidays.Contains(day))
            {
                continue;
            }
            DateTimeOffset At(int hour) => TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(hour, 0)), berlin);
            var (open, close) = (At(9) > from ? At(9) : from, At(17));
            if (close <= open)
            {
                continue;
            }
            if (close - open >= left)
            {
                return open + left;
            }
            left -= close - open;
        }
    }

    [Fact]
    public async Task An_escalated_case_is_due_when_the_escalation_queues_SLA_runs_out_in_its_business_hours()
    {
        var receipt = await _app.SubmitSampleAsync(Samples.Queues);
        Assert.Equal(("policy-legal", (DateTimeOffset?)_clock.GetUtcNow().AddHours(4)), (receipt.Queue, receipt.SlaDueAt));
        _clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        var breachedAt = _clock.GetUtcNow();
        Assert.Equal(1, (await _app.Services.GetRequiredService<SlaMonitor>().SweepAsync()).Breached);

        var c = await _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(x => x.Id == receipt.Id));
        Assert.True(c.ReleaseOutcome == PathOutcome.Handoff || c.ExecuteOutcome == PathOutcome.Handoff, "the sample is a hand-off");
        var expected = LegalOfficeDue(breachedAt, SecurityHandoff(c.Priority));
        Assert.Equal(("security", SlaState.Escalated, (DateTimeOffset?)breachedAt, (DateTimeOffset?)expected),
            (c.Queue, c.SlaState, c.SlaStartedAt, c.SlaDueAt));

        // What the AI system reads back: the case in security, due at the new time.
        using var api = _app.ApiClient();
        var view = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<CaseView>(api, $"/api/v1/cases/{receipt.Id}", WorkbenchJson.Options);
        Assert.Equal(("security", (DateTimeOffset?)expected), (view!.Queue, view.SlaDueAt));
    }
}
