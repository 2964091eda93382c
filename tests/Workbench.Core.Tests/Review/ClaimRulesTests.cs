using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Review;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>Claims are leases, one reviewer at a time; only the holder acts, on the revision he saw.</summary>
public class ClaimRulesTests
{
    [Fact]
    public void A_queued_case_is_claimed_with_a_lease()
    {
        var changed = Changed(Rules.Claim(Queued(), Rita, Now));

        Assert.Equal(CaseStatus.InReview, changed.Case.Status);
        Assert.Equal("rita", changed.Case.ClaimedBy);
        Assert.Equal(Now + Lease, changed.Case.ClaimExpiresAt);
        Assert.Equal(CaseEventKinds.Claimed, changed.LiveKind);
        var audit = Assert.Single(changed.Audit);
        Assert.Equal((AuditEventTypes.CaseClaimed, "rita", "reviewer"), (audit.Type, audit.Actor, audit.ActorRole));
        Assert.Equal("""{"queue":"policy-legal","leaseUntil":"2026-11-25T12:10:00+00:00"}""", Json(audit.Data));
        Assert.Empty(changed.Outbox);
    }

    [Fact]
    public void A_claim_held_by_another_reviewer_is_refused_while_it_runs()
    {
        var refusal = Refused(Rules.Claim(HeldBy(Rita), Mia, Now));

        Assert.Equal(RefusalKind.Conflict, refusal.Kind);
        Assert.Equal(ProblemTypes.AlreadyClaimed, refusal.Type);
        Assert.StartsWith("rita is reviewing this case (claim until ", refusal.Detail);
    }

    [Fact]
    public void An_expired_lease_is_taken_over_and_the_audit_says_it_ran_out()
    {
        var expired = HeldBy(Rita) with { ClaimExpiresAt = Now - TimeSpan.FromSeconds(1) };

        var changed = Changed(Rules.Claim(expired, Mia, Now));

        Assert.Equal("mia", changed.Case.ClaimedBy);
        Assert.Equal(CaseStatus.InReview, changed.Case.Status);
        Assert.Collection(changed.Audit,
            e =>
            {
                Assert.Equal((AuditEventTypes.CaseLeaseExpired, "system", "system"), (e.Type, e.Actor, e.ActorRole));
                Assert.Equal("""{"holder":"rita","claimExpiresAt":"2026-11-25T11:59:59+00:00"}""", Json(e.Data));
            },
            e => Assert.Equal((AuditEventTypes.CaseClaimed, "mia"), (e.Type, e.Actor)));
    }

    [Fact]
    public void Claiming_a_case_one_already_holds_renews_the_lease_without_an_audit_event()
    {
        var changed = Changed(Rules.Claim(HeldBy(Rita), Rita, Now));

        Assert.Equal(Now + Lease, changed.Case.ClaimExpiresAt);
        Assert.Empty(changed.Audit);
        Assert.Equal(CaseEventKinds.Claimed, changed.LiveKind);
    }

    [Theory]
    [InlineData(CaseStatus.AwaitingInfo, "A case that is awaiting info cannot be claimed.")]
    [InlineData(CaseStatus.Decided, "A case that is decided cannot be claimed.")]
    public void A_case_that_is_not_queued_cannot_be_claimed(CaseStatus status, string detail)
    {
        var refusal = Refused(Rules.Claim(Queued() with { Status = status }, Rita, Now));

        Assert.Equal((RefusalKind.Conflict, ProblemTypes.IllegalTransition, detail), (refusal.Kind, refusal.Type, refusal.Detail));
    }

    [Fact]
    public void Renewing_extends_the_lease_and_publishes_nothing()
    {
        var changed = Changed(Rules.Renew(HeldBy(Rita), Rita, Now));

        Assert.Equal(Now + Lease, changed.Case.ClaimExpiresAt);
        Assert.Null(changed.LiveKind);
        Assert.Empty(changed.Audit);
    }

    [Fact]
    public void Only_the_claim_holder_renews()
    {
        var refusal = Refused(Rules.Renew(HeldBy(Rita), Mia, Now));

        Assert.Equal((ProblemTypes.NotClaimHolder, "rita holds the claim on this case."), (refusal.Type, refusal.Detail));
    }

    [Fact]
    public void Release_returns_the_case_to_its_queue()
    {
        var changed = Changed(ReviewRules.Release(HeldBy(Rita), Rita, Now));

        Assert.Equal(CaseStatus.Queued, changed.Case.Status);
        Assert.Null(changed.Case.ClaimedBy);
        Assert.Null(changed.Case.ClaimExpiresAt);
        Assert.Equal(CaseEventKinds.Released, changed.LiveKind);
        var audit = Assert.Single(changed.Audit);
        Assert.Equal(AuditEventTypes.CaseReleased, audit.Type);
        Assert.Equal("""{"queue":"policy-legal"}""", Json(audit.Data));
    }

    [Fact]
    public void Another_reviewer_cannot_release_a_claim()
    {
        Assert.Equal(ProblemTypes.NotClaimHolder, Refused(ReviewRules.Release(HeldBy(Rita), Mia, Now)).Type);
    }

    [Fact]
    public void Only_the_claim_holder_acts()
    {
        var refusal = Refused(Rules.Act(HeldBy(Rita), Mia, Approve, null, Now));

        Assert.Equal((RefusalKind.Conflict, ProblemTypes.NotClaimHolder, "rita holds the claim on this case."), (refusal.Kind, refusal.Type, refusal.Detail));
    }

    [Fact]
    public void A_claim_that_ran_out_no_longer_lets_its_holder_act()
    {
        var ranOut = HeldBy(Rita) with { ClaimExpiresAt = Now };

        var refusal = Refused(Rules.Act(ranOut, Rita, Approve, null, Now));

        Assert.Equal((ProblemTypes.NotClaimHolder, "Your claim ran out; claim the case again."), (refusal.Type, refusal.Detail));
    }

    [Fact]
    public void Acting_on_an_unclaimed_case_asks_for_a_claim_first()
    {
        var refusal = Refused(Rules.Act(Queued(), Rita, Approve, null, Now));

        Assert.Equal((ProblemTypes.NotClaimHolder, "The case is queued; claim it first."), (refusal.Type, refusal.Detail));
    }

    [Fact]
    public void An_action_on_a_stale_revision_is_refused()
    {
        var refusal = Refused(Rules.Act(HeldBy(Rita), Rita, Approve, expectedRevision: 2, Now));

        Assert.Equal((RefusalKind.Conflict, ProblemTypes.StaleRevision, "The case changed since you opened it; here is its current state."),
            (refusal.Kind, refusal.Type, refusal.Detail));
    }

    [Fact]
    public void An_action_on_the_current_revision_goes_through()
    {
        Assert.Equal(CaseStatus.Decided, Changed(Rules.Act(HeldBy(Rita), Rita, Approve, expectedRevision: 3, Now)).Case.Status);
    }

    [Fact]
    public void The_sweeper_returns_a_run_out_claim_to_its_queue()
    {
        var ranOut = HeldBy(Rita) with { ClaimExpiresAt = Now - TimeSpan.FromMinutes(1) };

        var changed = Changed(ReviewRules.ExpireLease(ranOut, Now));

        Assert.Equal(CaseStatus.Queued, changed.Case.Status);
        Assert.Null(changed.Case.ClaimedBy);
        Assert.Equal(CaseEventKinds.LeaseExpired, changed.LiveKind);
        var audit = Assert.Single(changed.Audit);
        Assert.Equal((AuditEventTypes.CaseLeaseExpired, "system"), (audit.Type, audit.Actor));
        Assert.Equal("""{"holder":"rita","claimExpiresAt":"2026-11-25T11:59:00+00:00"}""", Json(audit.Data));
    }

    [Fact]
    public void The_sweeper_leaves_a_claim_that_still_runs()
    {
        Assert.Equal(ProblemTypes.AlreadyClaimed, Refused(ReviewRules.ExpireLease(HeldBy(Rita), Now)).Type);
    }

    [Fact]
    public void A_lead_assigns_an_open_case_to_a_member_of_its_queue()
    {
        var changed = Changed(ReviewRules.Assign(Queued(), Lena, "mia", assigneeWorksQueue: true));

        Assert.Equal("mia", changed.Case.AssignedTo);
        Assert.Equal(CaseEventKinds.Assigned, changed.LiveKind);
        var audit = Assert.Single(changed.Audit);
        Assert.Equal((AuditEventTypes.CaseAssigned, "lena", "lead"), (audit.Type, audit.Actor, audit.ActorRole));
        Assert.Equal("""{"to":"mia","queue":"policy-legal"}""", Json(audit.Data));
    }

    [Fact]
    public void Only_a_lead_assigns()
    {
        Assert.Equal(RefusalKind.Forbidden, ReviewRules.MayAssign(Rita)?.Kind);
        Assert.Null(ReviewRules.MayAssign(Lena));
        var refusal = Refused(ReviewRules.Assign(Queued(), Rita, "mia", assigneeWorksQueue: true));
        Assert.Equal((ProblemTypes.Forbidden, "Only a lead assigns cases."), (refusal.Type, refusal.Detail));
    }

    [Fact]
    public void An_assignee_outside_the_case_queue_is_invalid()
    {
        var refusal = Refused(ReviewRules.Assign(Queued(), Lena, "felix", assigneeWorksQueue: false));

        Assert.Equal((RefusalKind.Invalid, "$.reviewer", "felix does not work the policy-legal queue."), (refusal.Kind, refusal.Field, refusal.Detail));
    }

    [Fact]
    public void A_decided_case_cannot_be_assigned()
    {
        var refusal = Refused(ReviewRules.Assign(Queued() with { Status = CaseStatus.Decided }, Lena, "mia", assigneeWorksQueue: true));

        Assert.Equal((ProblemTypes.IllegalTransition, "Only an open case can be assigned."), (refusal.Type, refusal.Detail));
    }
}
