using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Review;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>Reject, request info and route; the round reset; classification; what each action must carry.</summary>
public class ReviewActionRulesTests
{
    [Fact]
    public void Reject_decides_with_its_reason_and_releases_no_text()
    {
        var approvedOnce = HeldBy(Mia, approvals: 2) with { ApprovedBy = ["rita"] };

        var changed = Changed(Rules.Act(approvedOnce, Mia, Reject("MULTI_POLICY_CONFLICT", "cites v6"), null, Now));

        Assert.Equal(CaseStatus.Decided, changed.Case.Status);
        Assert.Equal(DecisionKind.Rejected, changed.Case.Decision);
        Assert.Equal(["rita"], changed.Case.ApprovedBy);
        var decision = DecisionOf(changed.Case);
        Assert.Null(decision.ResponseText);
        Assert.Null(decision.ActionParameters);
        Assert.Equal("MULTI_POLICY_CONFLICT", decision.RejectReasonCode);
        Assert.Equal(["rita", "mia"], decision.Reviewers);
        Assert.Equal(CaseEventKinds.Decided, changed.LiveKind);
        Assert.Equal("""{"action":"reject","rootCause":"retrieval_conflict","details":{"decision":"rejected","rejectReasonCode":"MULTI_POLICY_CONFLICT","note":{"text":"cites v6"}}}""",
            Json(Assert.Single(changed.Audit).Data));
        Assert.Equal(WebhookEventTypes.CaseDecided, Assert.Single(changed.Outbox).Type);
        Assert.Equal(("MULTI_POLICY_CONFLICT", RootCause.RetrievalConflict), (changed.Action!.RejectReasonCode, changed.Action.RootCause));
    }

    [Fact]
    public void A_reject_without_a_note_writes_no_note()
    {
        var changed = Changed(Rules.Act(HeldBy(Rita), Rita, Reject("MULTI_POLICY_CONFLICT"), null, Now));

        Assert.Equal("""{"action":"reject","rootCause":"retrieval_conflict","details":{"decision":"rejected","rejectReasonCode":"MULTI_POLICY_CONFLICT"}}""", Json(Assert.Single(changed.Audit).Data));
    }

    [Fact]
    public void Request_info_asks_the_ai_system_and_starts_a_new_round()
    {
        var editedRound = HeldBy(Mia, approvals: 2) with { ApprovedBy = ["rita"], EditedResponse = "Rita's text.", EditedBy = "rita" };
        var ask = new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which policy version did the customer accept?" };

        var changed = Changed(Rules.Act(editedRound, Mia, ask, null, Now));

        var after = changed.Case;
        Assert.Equal(CaseStatus.AwaitingInfo, after.Status);
        Assert.Equal("Which policy version did the customer accept?", after.PendingQuestion);
        Assert.Empty(after.ApprovedBy);
        Assert.Null(after.EditedResponse);
        Assert.Null(after.EditedBy);
        Assert.Null(after.ClaimedBy);
        Assert.Equal(Now, after.SlaPausedAt); // policy-legal stops its clock while the AI system owes the answer
        Assert.Equal(CaseEventKinds.InfoRequested, changed.LiveKind);
        Assert.Equal("""{"action":"request_info","details":{"question":{"text":"Which policy version did the customer accept?"}}}""",
            Json(Assert.Single(changed.Audit).Data));
        var outbox = Assert.Single(changed.Outbox);
        Assert.Equal(WebhookEventTypes.CaseInfoRequested, outbox.Type);
        Assert.Equal("""{"caseId":"0190f1a0-0000-7000-8000-000000000001","externalId":"ext-1","status":"awaiting_info","queue":"policy-legal","details":{"question":"Which policy version did the customer accept?"}}""",
            Json(outbox.Data));
        Assert.Equal("Which policy version did the customer accept?", changed.Action!.Question);
    }

    [Fact]
    public void Request_info_in_a_queue_that_keeps_its_clock_running_does_not_pause_the_sla()
    {
        var ask = new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which order?" };

        Assert.Null(Changed(Rules.Act(HeldBy(Rita, queue: "finance"), Rita, ask, null, Now)).Case.SlaPausedAt);
    }

    [Fact]
    public void Route_moves_the_case_to_the_target_queue_and_starts_a_new_round()
    {
        var assignedRound = HeldBy(Mia, approvals: 2) with { ApprovedBy = ["rita"], EditedResponse = "Rita's text.", EditedBy = "rita", AssignedTo = "mia" };
        var route = new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "finance", Note = "refund over 500" };

        var changed = Changed(Rules.Act(assignedRound, Mia, route, null, Now));

        var after = changed.Case;
        Assert.Equal((CaseStatus.Queued, "finance"), (after.Status, after.Queue));
        Assert.Null(after.AssignedTo);
        Assert.Null(after.ClaimedBy);
        Assert.Empty(after.ApprovedBy);
        Assert.Null(after.EditedResponse);
        Assert.Equal(CaseEventKinds.Routed, changed.LiveKind);
        Assert.Empty(changed.Outbox);
        Assert.Equal("""{"action":"route","details":{"from":"policy-legal","to":"finance","note":{"text":"refund over 500"}}}""",
            Json(Assert.Single(changed.Audit).Data));
        Assert.Equal(("policy-legal", "finance"), (changed.Action!.FromQueue, changed.Action.TargetQueue));
    }

    [Fact]
    public void Routing_to_the_queue_the_case_is_in_is_invalid()
    {
        var refusal = Refused(Rules.Act(HeldBy(Rita), Rita, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "policy-legal" }, null, Now));

        Assert.Equal((RefusalKind.Invalid, ProblemTypes.Validation, "$.targetQueue", "The case is already in that queue."),
            (refusal.Kind, refusal.Type, refusal.Field, refusal.Detail));
    }

    [Fact]
    public void A_round_reset_on_reply_clears_approvals_and_edits()
    {
        var round = Queued(approvals: 2) with
        {
            Status = CaseStatus.AwaitingInfo,
            ApprovedBy = ["rita"],
            EditedResponse = "Rita's text.",
            EditedParametersJson = """{"amount":100}""",
            EditedBy = "rita",
        };

        var after = ReviewRules.ResetRound(round);

        Assert.Empty(after.ApprovedBy);
        Assert.Null(after.EditedResponse);
        Assert.Null(after.EditedParametersJson);
        Assert.Null(after.EditedBy);
    }

    [Fact]
    public void A_round_reset_changes_nothing_else()
    {
        var round = Queued(approvals: 2) with { Status = CaseStatus.AwaitingInfo, ApprovedBy = ["rita"], AssignedTo = "mia", PendingQuestion = "Which?" };

        Assert.Equal(round, ReviewRules.ResetRound(round) with { ApprovedBy = round.ApprovedBy });
    }

    [Theory]
    [InlineData(ReviewActionKind.ApproveWithEdits)]
    [InlineData(ReviewActionKind.Reject)]
    public void A_change_or_a_stop_without_a_root_cause_is_refused_before_anything_else(ReviewActionKind kind)
    {
        var action = kind == ReviewActionKind.Reject ? Reject("MULTI_POLICY_CONFLICT") : Edit("Refund issued.");

        // Before the claim is looked at: a field error says nothing about the case.
        foreach (var (c, without) in new[] { (HeldBy(Rita), action with { RootCause = null }), (Queued(), action with { RootCause = null }) })
        {
            var refusal = Assert.IsType<ReviewOutcome.Refused>(Rules.Act(c, Rita, without, null, Now)).Refusal;
            Assert.Equal((RefusalKind.Invalid, "$.rootCause"), (refusal.Kind, refusal.Field));
        }
        // support.refund does not accept "unknown"; support.faq does.
        var unknown = Assert.IsType<ReviewOutcome.Refused>(Rules.Act(HeldBy(Rita), Rita, action with { RootCause = RootCause.Unknown }, null, Now)).Refusal;
        Assert.Contains("does not accept 'unknown'", unknown.Detail, StringComparison.Ordinal);
        var faq = HeldBy(Rita) with { Workflow = "support.faq" };
        Assert.Equal(RootCause.Unknown, Changed(Rules.Act(faq, Rita, action with { RootCause = RootCause.Unknown }, null, Now)).Action!.RootCause);
        var undefined = Assert.IsType<ReviewOutcome.Refused>(Rules.Act(HeldBy(Rita), Rita, action with { RootCause = (RootCause)99 }, null, Now)).Refusal;
        Assert.Equal("$.rootCause", undefined.Field);
    }

    [Fact]
    public void An_approval_a_question_and_a_route_may_carry_a_root_cause_and_need_none()
    {
        Assert.Null(Changed(Rules.Act(HeldBy(Rita), Rita, Approve, null, Now)).Action!.RootCause);
        var approved = Changed(Rules.Act(HeldBy(Rita), Rita, Approve with { RootCause = RootCause.PolicyTooStrict }, null, Now));
        Assert.Equal(RootCause.PolicyTooStrict, approved.Action!.RootCause);
        Assert.Contains("\"rootCause\":\"policy_too_strict\"", Json(Assert.Single(approved.Audit).Data), StringComparison.Ordinal);
        Assert.Null(Changed(Rules.Act(HeldBy(Rita), Rita, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which?" }, null, Now)).Action!.RootCause);
        Assert.Equal(RootCause.UserAmbiguity, Changed(Rules.Act(HeldBy(Rita), Rita,
            new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "finance", RootCause = RootCause.UserAmbiguity }, null, Now)).Action!.RootCause);
    }

    [Fact]
    public void Classifying_keeps_the_earlier_answer_that_is_not_given_again()
    {
        var own = new Classification(RootCause.RetrievalConflict, true);

        var classified = Assert.IsType<ClassifyOutcome.Classified>(ReviewRules.Classify(Rita, own, "rita", null, false));

        Assert.Equal(new Classification(RootCause.RetrievalConflict, false), classified.Classification);
        Assert.Equal((AuditEventTypes.CaseClassified, "rita"), (classified.Audit.Type, classified.Audit.Actor));
        Assert.Equal("""{"rootCause":"retrieval_conflict","escalationNecessary":false}""", Json(classified.Audit.Data));
    }

    [Fact]
    public void A_changed_root_cause_is_audited_with_what_it_was_and_a_lead_changing_anothers_with_whose_it_is()
    {
        var own = new Classification(RootCause.RetrievalConflict, true);

        var mine = Assert.IsType<ClassifyOutcome.Classified>(ReviewRules.Classify(Rita, own, "rita", RootCause.Prompt, null));
        Assert.Equal("""{"rootCause":"prompt","escalationNecessary":true,"previous":"retrieval_conflict"}""", Json(mine.Audit.Data));

        var led = Assert.IsType<ClassifyOutcome.Classified>(ReviewRules.Classify(Lena, own, "rita", RootCause.ToolFailure, null));
        Assert.Equal(("lena", "lead"), (led.Audit.Actor, led.Audit.ActorRole));
        Assert.Equal("""{"rootCause":"tool_failure","escalationNecessary":true,"previous":"retrieval_conflict","actionBy":"rita"}""", Json(led.Audit.Data));
    }

    [Fact]
    public void A_reviewer_who_did_not_act_on_the_case_cannot_classify_it()
    {
        var refusal = Assert.IsType<ClassifyOutcome.Refused>(ReviewRules.Classify(Rita, null, null, RootCause.Prompt, null)).Refusal;
        Assert.Equal((RefusalKind.Forbidden, ProblemTypes.NotClaimHolder, "Only a reviewer who acted on the case (or a lead) classifies it."),
            (refusal.Kind, refusal.Type, refusal.Detail));

        var anothers = Assert.IsType<ClassifyOutcome.Refused>(ReviewRules.Classify(Mia, new Classification(RootCause.Prompt, null), "rita", RootCause.ToolFailure, null)).Refusal;
        Assert.Equal((RefusalKind.Forbidden, ProblemTypes.Forbidden), (anothers.Kind, anothers.Type));
    }

    [Fact]
    public void An_unknown_root_cause_is_invalid()
    {
        var refusal = Assert.IsType<ClassifyOutcome.Refused>(ReviewRules.Classify(Rita, new Classification(null, null), "rita", (RootCause)99, null)).Refusal;

        Assert.Equal((RefusalKind.Invalid, "$.rootCause"), (refusal.Kind, refusal.Field));
    }

    [Fact]
    public void An_approval_needs_no_further_fields()
    {
        Assert.Empty(Rules.Validate(Approve));
        Assert.Empty(Rules.Validate(Reject("MULTI_POLICY_CONFLICT")));
        Assert.Empty(Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "finance" }));
    }

    [Fact]
    public void Each_action_kind_needs_its_own_fields()
    {
        Assert.Equal(["$.editedResponse"], Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.ApproveWithEdits }).Keys);
        Assert.Equal(["$.rejectReasonCode"], Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.Reject }).Keys);
        Assert.Equal(["$.question"], Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.RequestInfo }).Keys);
        Assert.Equal(["$.targetQueue"], Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.Route }).Keys);
        Assert.Equal(["$.action"], Rules.Validate(new ReviewActionRequest { Action = (ReviewActionKind)42 }).Keys);
    }

    [Fact]
    public void Reason_codes_and_queues_must_be_the_policys()
    {
        Assert.Equal(["'BECAUSE' is not a reason code of the active policy."], Rules.Validate(Reject("BECAUSE"))["$.rejectReasonCode"]);
        Assert.Equal(["'nowhere' is not a queue of the active policy."],
            Rules.Validate(new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "nowhere" })["$.targetQueue"]);
    }
}
