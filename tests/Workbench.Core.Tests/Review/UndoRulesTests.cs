using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Review;
using Workbench.Core.Tests.Policy;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>The undo window: a decision waits before it reaches the AI system, and the reviewer who made it may take it back meanwhile.</summary>
public class UndoRulesTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private static readonly ReviewRules WithUndo = new(TestPolicies.Default, Lease, new Dictionary<string, string[]>(), Window);

    [Fact]
    public void A_decision_is_held_for_the_window_and_its_webhook_is_not_sent_before_it_ends()
    {
        var changed = Changed(WithUndo.Act(HeldBy(Rita), Rita, Approve, null, Now));

        Assert.Equal(CaseStatus.Decided, changed.Case.Status);
        Assert.Equal(Now + Window, changed.Case.ReleaseAt);
        var outbox = Assert.Single(changed.Outbox);
        Assert.Equal(Now + Window, outbox.NotBefore);
    }

    [Fact]
    public void Without_a_window_the_decision_goes_at_once_and_cannot_be_undone()
    {
        var decided = Changed(Rules.Act(HeldBy(Rita), Rita, Approve, null, Now)).Case;

        Assert.Null(decided.ReleaseAt);
        Assert.Null(Assert.Single(Changed(Rules.Act(HeldBy(Rita), Rita, Approve, null, Now)).Outbox).NotBefore);
        var refusal = Refused(Rules.Undo(decided, Rita, Now));
        Assert.Equal((RefusalKind.Conflict, ProblemTypes.UndoWindowClosed), (refusal.Kind, refusal.Type));
    }

    [Fact]
    public void Undo_within_the_window_puts_the_case_back_in_review_claimed_by_the_same_reviewer()
    {
        var held = HeldBy(Rita);
        var decided = Changed(WithUndo.Act(held, Rita, Reject("wrong_policy"), null, Now)).Case;
        var at = Now + TimeSpan.FromSeconds(4);

        var undone = Changed(WithUndo.Undo(decided, Rita, at));

        Assert.Equal(CaseStatus.InReview, undone.Case.Status);
        Assert.Equal("rita", undone.Case.ClaimedBy);
        Assert.Equal(at + Lease, undone.Case.ClaimExpiresAt);
        Assert.Null(undone.Case.Decision);
        Assert.Null(undone.Case.DecidedAt);
        Assert.Null(undone.Case.DecisionJson);
        Assert.Null(undone.Case.ReleaseAt);
        Assert.Null(undone.Case.UndoJson);
        Assert.Empty(undone.Case.ApprovedBy);
        Assert.Empty(undone.Outbox);
        Assert.Equal("rita", undone.UndoneBy);
        Assert.Equal(CaseEventKinds.DecisionUndone, undone.LiveKind);
        var audit = Assert.Single(undone.Audit);
        Assert.Equal((AuditEventTypes.CaseDecisionUndone, "rita", "reviewer"), (audit.Type, audit.Actor, audit.ActorRole));
        Assert.Contains("\"decision\":\"rejected\"", Json(audit.Data));
    }

    [Fact]
    public void Undoing_the_last_of_two_approvals_restores_the_first_approval_and_the_rounds_edit()
    {
        var approvedOnce = HeldBy(Mia, approvals: 2) with { ApprovedBy = ["rita"], EditedResponse = "Edited by rita", EditedBy = "rita" };
        var decided = Changed(WithUndo.Act(approvedOnce, Mia, Approve, null, Now)).Case;
        Assert.Equal(["rita", "mia"], decided.ApprovedBy);

        var undone = Changed(WithUndo.Undo(decided, Mia, Now + TimeSpan.FromSeconds(1))).Case;

        Assert.Equal(["rita"], undone.ApprovedBy);
        Assert.Equal(("Edited by rita", "rita"), (undone.EditedResponse, undone.EditedBy));
        Assert.Equal("mia", undone.ClaimedBy);
    }

    [Fact]
    public void Undoing_an_approval_with_edits_takes_the_edit_back_too()
    {
        var decided = Changed(WithUndo.Act(HeldBy(Rita), Rita, Edit("A better answer."), null, Now)).Case;
        Assert.Equal("A better answer.", decided.EditedResponse);

        var undone = Changed(WithUndo.Undo(decided, Rita, Now + TimeSpan.FromSeconds(1))).Case;

        Assert.Null(undone.EditedResponse);
        Assert.Null(undone.EditedBy);
    }

    [Fact]
    public void Undo_when_the_window_has_ended_is_refused_with_the_time_it_was_sent()
    {
        var decided = Changed(WithUndo.Act(HeldBy(Rita), Rita, Approve, null, Now)).Case;

        var refusal = Refused(WithUndo.Undo(decided, Rita, Now + Window));

        Assert.Equal((RefusalKind.Conflict, ProblemTypes.UndoWindowClosed), (refusal.Kind, refusal.Type));
        Assert.Contains("can no longer be undone", refusal.Detail);
    }

    [Fact]
    public void Only_the_reviewer_who_decided_may_undo_not_another_reviewer_nor_a_lead()
    {
        var decided = Changed(WithUndo.Act(HeldBy(Rita), Rita, Approve, null, Now)).Case;

        foreach (var other in new[] { Mia, Lena })
        {
            var refusal = Refused(WithUndo.Undo(decided, other, Now + TimeSpan.FromSeconds(1)));
            Assert.Equal((RefusalKind.Forbidden, ProblemTypes.Forbidden), (refusal.Kind, refusal.Type));
        }
    }

    [Fact]
    public void A_case_that_is_not_decided_has_nothing_to_undo()
    {
        var refusal = Refused(WithUndo.Undo(HeldBy(Rita), Rita, Now));

        Assert.Equal((RefusalKind.Conflict, ProblemTypes.UndoWindowClosed), (refusal.Kind, refusal.Type));
    }

    [Fact]
    public void A_first_approval_of_two_and_a_question_are_not_held()
    {
        // Neither is a decision: the first approval sends nothing, and a question goes to the AI system at once.
        var first = Changed(WithUndo.Act(HeldBy(Rita, approvals: 2), Rita, Approve, null, Now));
        var asked = Changed(WithUndo.Act(HeldBy(Rita), Rita,
            new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which order?" }, null, Now));

        Assert.Null(first.Case.ReleaseAt);
        Assert.Null(Assert.Single(asked.Outbox).NotBefore);
    }
}
