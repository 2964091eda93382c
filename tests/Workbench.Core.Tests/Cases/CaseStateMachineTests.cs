using Workbench.Contracts;
using Workbench.Core.Cases;

namespace Workbench.Core.Tests.Cases;

public class CaseStateMachineTests
{
    // The whole legal table of docs/design.md, written out independently of the implementation.
    public static TheoryData<CaseStatus, CaseTrigger, CaseStatus> Legal => new()
    {
        { CaseStatus.Queued, CaseTrigger.Claim, CaseStatus.InReview },
        { CaseStatus.Queued, CaseTrigger.Withdraw, CaseStatus.Withdrawn },
        { CaseStatus.Queued, CaseTrigger.Expire, CaseStatus.Expired },
        { CaseStatus.InReview, CaseTrigger.Release, CaseStatus.Queued },
        { CaseStatus.InReview, CaseTrigger.LeaseExpired, CaseStatus.Queued },
        { CaseStatus.InReview, CaseTrigger.RecordApproval, CaseStatus.Queued },
        { CaseStatus.InReview, CaseTrigger.Decide, CaseStatus.Decided },
        { CaseStatus.InReview, CaseTrigger.RequestInfo, CaseStatus.AwaitingInfo },
        { CaseStatus.InReview, CaseTrigger.Route, CaseStatus.Queued },
        { CaseStatus.InReview, CaseTrigger.Withdraw, CaseStatus.Withdrawn },
        { CaseStatus.InReview, CaseTrigger.Expire, CaseStatus.Expired },
        { CaseStatus.Decided, CaseTrigger.UndoDecision, CaseStatus.InReview },
        { CaseStatus.AwaitingInfo, CaseTrigger.ReceiveReply, CaseStatus.Queued },
        { CaseStatus.AwaitingInfo, CaseTrigger.Withdraw, CaseStatus.Withdrawn },
        { CaseStatus.AwaitingInfo, CaseTrigger.Expire, CaseStatus.Expired },
        { CaseStatus.ClarificationRequested, CaseTrigger.ReceiveReply, CaseStatus.Queued },
        { CaseStatus.ClarificationRequested, CaseTrigger.Withdraw, CaseStatus.Withdrawn },
        { CaseStatus.ClarificationRequested, CaseTrigger.Expire, CaseStatus.Expired },
    };

    public static TheoryData<CaseStatus, CaseTrigger> Illegal
    {
        get
        {
            var legal = Legal.Select(row => ((CaseStatus)row[0], (CaseTrigger)row[1])).ToHashSet();
            var data = new TheoryData<CaseStatus, CaseTrigger>();
            foreach (var from in Enum.GetValues<CaseStatus>())
            {
                foreach (var trigger in Enum.GetValues<CaseTrigger>())
                {
                    if (!legal.Contains((from, trigger)))
                    {
                        data.Add(from, trigger);
                    }
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Legal))]
    public void Legal_transition_moves_the_case(CaseStatus from, CaseTrigger trigger, CaseStatus to)
    {
        Assert.True(CaseStateMachine.CanApply(from, trigger));
        Assert.Equal(to, CaseStateMachine.Apply(from, trigger));
    }

    [Theory]
    [MemberData(nameof(Illegal))]
    public void Illegal_transition_throws_and_names_status_and_trigger(CaseStatus from, CaseTrigger trigger)
    {
        Assert.False(CaseStateMachine.CanApply(from, trigger));
        var ex = Assert.Throws<IllegalTransitionException>(() => CaseStateMachine.Apply(from, trigger));
        Assert.Equal(from, ex.From);
        Assert.Equal(trigger, ex.Trigger);
        Assert.Equal("illegal-transition", ex.ProblemType);
        Assert.StartsWith("A case that is ", ex.Message);
    }

    [Fact]
    public void Implementation_table_has_exactly_the_documented_transitions()
    {
        var documented = Legal.Select(row => ((CaseStatus)row[0], (CaseTrigger)row[1], (CaseStatus)row[2])).ToHashSet();
        Assert.Equal(documented.Count, CaseStateMachine.Transitions.Count);
        Assert.All(CaseStateMachine.Transitions, t => Assert.Contains(t, documented));
    }

    [Theory]
    [InlineData(CaseStatus.AutoApproved)]
    [InlineData(CaseStatus.Withdrawn)]
    [InlineData(CaseStatus.Expired)]
    public void Terminal_statuses_accept_no_trigger(CaseStatus status)
    {
        Assert.True(CaseStateMachine.IsTerminal(status));
        Assert.All(Enum.GetValues<CaseTrigger>(), t => Assert.False(CaseStateMachine.CanApply(status, t)));
    }

    [Fact]
    public void A_decided_case_accepts_only_the_undo_of_its_decision()
    {
        // The review rules allow it only within the undo window, before the decision reached the AI system.
        Assert.True(CaseStateMachine.IsTerminal(CaseStatus.Decided));
        Assert.Equal([CaseTrigger.UndoDecision], Enum.GetValues<CaseTrigger>().Where(t => CaseStateMachine.CanApply(CaseStatus.Decided, t)));
    }

    [Theory]
    [InlineData(PathOutcome.Proceed, PathOutcome.Proceed, CaseStatus.AutoApproved)]
    [InlineData(PathOutcome.Proceed, PathOutcome.AwaitApproval, CaseStatus.Queued)]
    [InlineData(PathOutcome.Clarify, PathOutcome.Proceed, CaseStatus.ClarificationRequested)]
    [InlineData(PathOutcome.Clarify, PathOutcome.AwaitApproval, CaseStatus.ClarificationRequested)]
    [InlineData(PathOutcome.AwaitApproval, PathOutcome.Handoff, CaseStatus.Queued)]
    [InlineData(PathOutcome.Handoff, PathOutcome.Clarify, CaseStatus.Queued)]
    public void Initial_status_follows_the_most_severe_outcome(PathOutcome release, PathOutcome execute, CaseStatus expected)
    {
        Assert.Equal(expected, CaseStateMachine.InitialStatus(release, execute));
    }

    [Fact]
    public void Open_statuses_are_the_ones_waiting_for_a_human()
    {
        var open = Enum.GetValues<CaseStatus>().Where(CaseStateMachine.IsOpen).ToArray();
        Assert.Equal([CaseStatus.Queued, CaseStatus.InReview, CaseStatus.AwaitingInfo], open);
    }
}
