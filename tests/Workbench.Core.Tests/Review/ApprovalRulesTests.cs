using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Review;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>Four-eyes rounds, self-approval and edits: who may approve, and what an approval covers.</summary>
public class ApprovalRulesTests
{
    [Fact]
    public void A_single_approval_decides_a_case_that_needs_one()
    {
        var changed = Changed(Rules.Act(HeldBy(Rita), Rita, Approve with { Note = "policy v7 applies" }, null, Now));

        Assert.Equal(CaseStatus.Decided, changed.Case.Status);
        Assert.Equal(DecisionKind.Approved, changed.Case.Decision);
        Assert.Equal(Now, changed.Case.DecidedAt);
        Assert.Null(changed.Case.ClaimedBy);
        Assert.Equal(CaseEventKinds.Decided, changed.LiveKind);
        var decision = DecisionOf(changed.Case);
        Assert.Equal(ProposedText, decision.ResponseText);
        Assert.Equal(120, decision.ActionParameters!["amount"].GetInt32());
        Assert.Equal(["rita"], decision.Reviewers);
        Assert.Equal("policy v7 applies", decision.Note);
        var audit = Assert.Single(changed.Audit);
        Assert.Equal((AuditEventTypes.CaseDecided, "rita", "reviewer"), (audit.Type, audit.Actor, audit.ActorRole));
        Assert.Equal("""{"action":"approve","details":{"decision":"approved","reviewers":["rita"]}}""", Json(audit.Data));
        var outbox = Assert.Single(changed.Outbox);
        Assert.Equal(WebhookEventTypes.CaseDecided, outbox.Type);
        Assert.Equal(changed.Case.DecisionJson, Json(outbox.Data));
    }

    [Fact]
    public void The_first_of_two_approvals_is_recorded_and_the_case_goes_back_for_the_second_reviewer()
    {
        var changed = Changed(Rules.Act(HeldBy(Rita, approvals: 2), Rita, Approve, null, Now));

        Assert.Equal(CaseStatus.Queued, changed.Case.Status);
        Assert.Equal(["rita"], changed.Case.ApprovedBy);
        Assert.Null(changed.Case.ClaimedBy);
        Assert.Null(changed.Case.Decision);
        Assert.Equal(CaseEventKinds.ApprovalRecorded, changed.LiveKind);
        Assert.Empty(changed.Outbox);
        var audit = Assert.Single(changed.Audit);
        Assert.Equal(AuditEventTypes.CaseApprovalRecorded, audit.Type);
        Assert.Equal("""{"action":"approve","details":{"approval":1,"of":2,"edited":false}}""", Json(audit.Data));
        Assert.Equal(new RecordedAction(ReviewActionKind.Approve, "rita", "policy-legal", null), changed.Action);
    }

    [Fact]
    public void The_second_approval_by_a_different_reviewer_decides()
    {
        var approvedOnce = HeldBy(Mia, approvals: 2) with { ApprovedBy = ["rita"] };

        var changed = Changed(Rules.Act(approvedOnce, Mia, Approve, null, Now));

        Assert.Equal(CaseStatus.Decided, changed.Case.Status);
        Assert.Equal(["rita", "mia"], changed.Case.ApprovedBy);
        Assert.Equal(["rita", "mia"], DecisionOf(changed.Case).Reviewers);
        Assert.Equal("""{"action":"approve","details":{"decision":"approved","reviewers":["rita","mia"]}}""", Json(Assert.Single(changed.Audit).Data));
        Assert.Equal(WebhookEventTypes.CaseDecided, Assert.Single(changed.Outbox).Type);
    }

    [Fact]
    public void Second_approval_by_the_same_reviewer_is_refused()
    {
        var approvedOnce = HeldBy(Rita, approvals: 2) with { ApprovedBy = ["rita"] };

        var refusal = Refused(Rules.Act(approvedOnce, Rita, Approve, null, Now));

        Assert.Equal((RefusalKind.Forbidden, ProblemTypes.SecondApproverRequired), (refusal.Kind, refusal.Type));
        Assert.Equal("You already approved this case; approval 2 of 2 must come from another reviewer.", refusal.Detail);
    }

    [Fact]
    public void The_same_reviewer_cannot_approve_again_by_editing()
    {
        var approvedOnce = HeldBy(Rita, approvals: 2) with { ApprovedBy = ["rita"] };

        Assert.Equal(ProblemTypes.SecondApproverRequired, Refused(Rules.Act(approvedOnce, Rita, Edit("Other text."), null, Now)).Type);
    }

    [Theory]
    [InlineData("demo-agent")]
    [InlineData("Demo-Agent")]
    public void The_submitting_client_can_never_approve(string user)
    {
        var who = new Reviewer(user, false);

        var refusal = Refused(Rules.Act(HeldBy(who), who, Approve, null, Now));

        Assert.Equal((RefusalKind.Forbidden, ProblemTypes.SelfApproval), (refusal.Kind, refusal.Type));
        Assert.Equal("The principal that submitted a case, and the people on its self-approval deny list, can never approve it.", refusal.Detail);
        Assert.Equal(ProblemTypes.SelfApproval, Refused(Rules.Act(HeldBy(who), who, Edit("Mine."), null, Now)).Type);
    }

    [Fact]
    public void A_user_on_the_clients_deny_list_can_never_approve()
    {
        Assert.Equal(ProblemTypes.SelfApproval, Refused(Rules.Act(HeldBy(Owner), Owner, Approve, null, Now)).Type);
        Assert.True(Rules.IsSelfApproval("OWNER-of-demo-agent", "demo-agent"));
    }

    [Fact]
    public void Another_clients_deny_list_does_not_apply()
    {
        // rita is on other-agent's deny list, not on demo-agent's.
        Assert.False(Rules.IsSelfApproval("rita", "demo-agent"));
        Assert.Equal(CaseStatus.Decided, Changed(Rules.Act(HeldBy(Rita), Rita, Approve, null, Now)).Case.Status);
    }

    [Fact]
    public void The_submitter_may_still_reject_its_own_case()
    {
        Assert.Equal(DecisionKind.Rejected, Changed(Rules.Act(HeldBy(Agent), Agent, Reject("MULTI_POLICY_CONFLICT"), null, Now)).Case.Decision);
    }

    [Fact]
    public void An_edit_starts_a_new_round_so_earlier_approvals_no_longer_count()
    {
        var approvedOnce = HeldBy(Mia, approvals: 2) with { ApprovedBy = ["rita"] };

        var changed = Changed(Rules.Act(approvedOnce, Mia, Edit("Refund approved under policy v7."), null, Now));

        Assert.Equal(CaseStatus.Queued, changed.Case.Status);
        Assert.Equal(["mia"], changed.Case.ApprovedBy);
        Assert.Equal("Refund approved under policy v7.", changed.Case.EditedResponse);
        Assert.Equal("mia", changed.Case.EditedBy);
        Assert.Equal("""{"action":"approve_with_edits","rootCause":"prompt","details":{"approval":1,"of":2,"edited":true}}""", Json(Assert.Single(changed.Audit).Data));
        var action = changed.Action!;
        Assert.Equal("Refund approved under policy v7.", action.EditedResponse);
        Assert.Contains("policy v7", action.EditDiffJson);
    }

    [Fact]
    public void The_decision_after_an_edit_releases_the_edited_text_and_parameters()
    {
        var edit = Edit("Refund approved under policy v7.") with
        {
            EditedParameters = new Dictionary<string, JsonElement> { ["amount"] = JsonSerializer.SerializeToElement(100) },
        };

        var changed = Changed(Rules.Act(HeldBy(Rita), Rita, edit, null, Now));

        Assert.Equal(DecisionKind.ApprovedWithEdits, changed.Case.Decision);
        var decision = DecisionOf(changed.Case);
        Assert.Equal("Refund approved under policy v7.", decision.ResponseText);
        Assert.Equal(100, decision.ActionParameters!["amount"].GetInt32());
        Assert.Equal("""{"amount":100}""", changed.Action!.EditedParametersJson);
    }

    [Fact]
    public void An_approval_after_someone_elses_edit_decides_with_the_edited_text()
    {
        var editedRound = HeldBy(Rita, approvals: 2) with { ApprovedBy = ["mia"], EditedResponse = "Edited by mia.", EditedBy = "mia" };

        var changed = Changed(Rules.Act(editedRound, Rita, Approve, null, Now));

        Assert.Equal(DecisionKind.ApprovedWithEdits, changed.Case.Decision);
        Assert.Equal("Edited by mia.", DecisionOf(changed.Case).ResponseText);
        Assert.Null(changed.Action!.EditDiffJson);
    }

    [Fact]
    public void A_decided_case_sampled_for_double_review_has_its_second_review_due()
    {
        var sampled = HeldBy(Rita) with { DoubleReview = true };

        Assert.True(Changed(Rules.Act(sampled, Rita, Approve, null, Now)).SecondReviewDue);
        Assert.True(Changed(Rules.Act(sampled, Rita, Reject("MULTI_POLICY_CONFLICT"), null, Now)).SecondReviewDue);
    }

    [Fact]
    public void No_second_review_is_due_before_the_decision_or_for_a_case_not_sampled()
    {
        var sampledFourEyes = HeldBy(Rita, approvals: 2) with { DoubleReview = true };

        Assert.False(Changed(Rules.Act(sampledFourEyes, Rita, Approve, null, Now)).SecondReviewDue);
        Assert.False(Changed(Rules.Act(HeldBy(Rita), Rita, Approve, null, Now)).SecondReviewDue);
    }
}
