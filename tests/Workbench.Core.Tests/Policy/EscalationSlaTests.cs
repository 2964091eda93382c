using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Tests.Policy;

/// <summary>
/// The SLA a breached case runs on in the queue its breach escalated it to: that queue's own SLA for the case's work,
/// at the case's priority, from the breach — each expected due time computed plainly from the figures written below.
/// </summary>
public class EscalationSlaTests
{
    private const string Policy = """
        version: "t1"
        calendars:
          berlin-office:
            time_zone: Europe/Berlin
            days: [mon, tue, wed, thu, fri]
            hours: "09:00-17:00"
        workflows:
          demo:
            tier: 1
            queue: front
            autonomy: auto
        queues:
          front:
            sla: { await_approval: 15m }
            escalation: seniors
          seniors:
            sla: { await_approval: 2h, handoff: 6h, spot_check: 1d }
            priority_sla:
              urgent: { await_approval: 30m }
          office:
            sla: { await_approval: 2h }
            business_hours: berlin-office
          approvals-only:
            sla: { await_approval: 1h }
        rules: []
        """;

    private static readonly DateTimeOffset Breach = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static CompiledPolicy Load()
    {
        var result = PolicyLoader.Load(Policy);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Policy!;
    }

    [Fact]
    public void An_escalated_approval_gets_the_escalation_queues_approval_sla_counted_from_the_breach()
    {
        var sla = Load().EscalationSlaOf("seniors", PathOutcome.AwaitApproval, PathOutcome.Proceed, spotCheck: false, CasePriority.High, Breach);
        Assert.Equal(new EscalationSla(SlaKind.AwaitApproval, Breach, Breach + TimeSpan.FromHours(2)), sla);
    }

    [Fact]
    public void The_raised_priority_picks_the_escalation_queues_priority_sla()
    {
        var sla = Load().EscalationSlaOf("seniors", PathOutcome.AwaitApproval, PathOutcome.AwaitApproval, spotCheck: false, CasePriority.Urgent, Breach);
        Assert.Equal(Breach + TimeSpan.FromMinutes(30), sla?.DueAt);
    }

    [Theory]
    [InlineData(PathOutcome.Handoff, PathOutcome.AwaitApproval, false, SlaKind.Handoff, 6 * 60)]
    [InlineData(PathOutcome.AwaitApproval, PathOutcome.Handoff, false, SlaKind.Handoff, 6 * 60)]
    [InlineData(PathOutcome.Proceed, PathOutcome.Proceed, true, SlaKind.SpotCheck, 24 * 60)]
    [InlineData(PathOutcome.Clarify, PathOutcome.Proceed, false, SlaKind.AwaitApproval, 2 * 60)]
    public void The_kind_of_work_is_the_one_the_intake_measured(PathOutcome release, PathOutcome execute, bool spotCheck, SlaKind kind, int minutes)
    {
        var sla = Load().EscalationSlaOf("seniors", release, execute, spotCheck, CasePriority.Normal, Breach);
        Assert.Equal(new EscalationSla(kind, Breach, Breach + TimeSpan.FromMinutes(minutes)), sla);
    }

    [Fact]
    public void A_breach_after_office_hours_starts_the_escalation_queues_clock_at_the_next_opening()
    {
        // Friday 16:30 in Berlin (UTC+1): half an hour today, one and a half on Monday from 09:00.
        var friday = new DateTimeOffset(2026, 11, 27, 16, 30, 0, TimeSpan.FromHours(1));
        var sla = Load().EscalationSlaOf("office", PathOutcome.AwaitApproval, PathOutcome.Proceed, spotCheck: false, CasePriority.Normal, friday);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 30, 0, TimeSpan.FromHours(1)), sla?.DueAt);
        Assert.Equal(friday, sla?.StartedAt);
    }

    [Theory]
    [InlineData("approvals-only", PathOutcome.Handoff)]
    [InlineData("no-such-queue", PathOutcome.AwaitApproval)]
    public void Where_the_escalation_queue_sets_no_sla_for_the_work_there_is_none(string target, PathOutcome path)
    {
        Assert.Null(Load().EscalationSlaOf(target, path, PathOutcome.Proceed, spotCheck: false, CasePriority.Normal, Breach));
    }
}
