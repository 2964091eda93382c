using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Review;
using Workbench.Core.Tests.Policy;
using static Workbench.Core.Tests.Review.ReviewFixtures;

namespace Workbench.Core.Tests.Review;

/// <summary>A spot check's states, its lease, its verdict, and the root cause it carries.</summary>
public class SpotCheckRulesTests
{
    private static readonly SpotCheckRules SpotRules = new(TestPolicies.Default, Lease,
        new Dictionary<string, string[]> { ["demo-agent"] = ["owner-of-demo-agent"] });

    private static SpotCheckItem Open(string workflow = "support.faq") => new()
    {
        CaseId = Guid.Parse("0190f1a0-0000-7000-8000-0000000000aa"),
        ExternalId = "faq-1",
        ClientId = "demo-agent",
        Workflow = workflow,
        Queue = "spot-check",
        SampledAt = Now - TimeSpan.FromHours(1),
        AgesOutAt = Now + TimeSpan.FromDays(6),
        Revision = 0,
    };

    private static SpotCheckItem HeldBy(Reviewer who, string workflow = "support.faq") =>
        Open(workflow) with { ClaimedBy = who.UserName, ClaimExpiresAt = Now + Lease - TimeSpan.FromMinutes(1) };

    private static SpotCheckOutcome.Changed Changed(SpotCheckOutcome outcome) => Assert.IsType<SpotCheckOutcome.Changed>(outcome);

    private static ReviewRefusal Refused(SpotCheckOutcome outcome) => Assert.IsType<SpotCheckOutcome.Refused>(outcome).Refusal;

    [Fact]
    public void The_state_follows_from_the_verdict_the_claim_and_the_age_out_time()
    {
        Assert.Equal(SpotCheckState.Open, SpotCheckRules.StateOf(Open(), Now));
        Assert.Equal(SpotCheckState.InReview, SpotCheckRules.StateOf(HeldBy(Mia), Now));
        // A claim that ran out leaves the item open again.
        Assert.Equal(SpotCheckState.Open, SpotCheckRules.StateOf(HeldBy(Mia), Now + Lease));
        Assert.Equal(SpotCheckState.NotReviewed, SpotCheckRules.StateOf(Open(), Now + TimeSpan.FromDays(6)));
        Assert.Equal(SpotCheckState.Reviewed, SpotCheckRules.StateOf(Open() with { Verdict = SpotCheckVerdict.Agree }, Now + TimeSpan.FromDays(60)));
    }

    [Fact]
    public void A_claim_is_a_lease_for_one_reviewer()
    {
        var changed = Changed(SpotRules.Claim(Open(), Mia, Now));

        Assert.Equal("mia", changed.Item.ClaimedBy);
        Assert.Equal(Now + Lease, changed.Item.ClaimExpiresAt);
        Assert.Equal(AuditEventTypes.SpotCheckClaimed, changed.Audit.Type);
        Assert.Equal(ProblemTypes.AlreadyClaimed, Refused(SpotRules.Claim(changed.Item, Rita, Now)).Type);
        // The holder renews; once the lease ran out another reviewer takes it.
        Assert.Equal("mia", Changed(SpotRules.Claim(changed.Item, Mia, Now + TimeSpan.FromMinutes(5))).Item.ClaimedBy);
        Assert.Equal("rita", Changed(SpotRules.Claim(changed.Item, Rita, Now + Lease)).Item.ClaimedBy);
    }

    [Fact]
    public void An_aged_out_spot_check_cannot_be_claimed_and_stays_not_reviewed()
    {
        var refusal = Refused(SpotRules.Claim(Open(), Mia, Now + TimeSpan.FromDays(7)));

        Assert.Equal(ProblemTypes.SpotCheckAgedOut, refusal.Type);
        Assert.Contains("not reviewed", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reviewer_who_took_it_before_it_aged_out_may_finish()
    {
        var held = HeldBy(Mia) with { AgesOutAt = Now + TimeSpan.FromMinutes(2) };
        var verdict = new SpotCheckVerdictRequest { Verdict = SpotCheckVerdict.Agree };

        var changed = Changed(SpotCheckRules.Record(held, Mia, verdict, Now + TimeSpan.FromMinutes(5)));

        Assert.Equal(SpotCheckState.Reviewed, SpotCheckRules.StateOf(changed.Item, Now + TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void The_submitting_principal_and_its_deny_list_never_spot_check_its_case()
    {
        Assert.Equal(ProblemTypes.SelfApproval, Refused(SpotRules.Claim(Open(), Agent, Now)).Type);
        Assert.Equal(ProblemTypes.SelfApproval, Refused(SpotRules.Claim(Open(), Owner, Now)).Type);
    }

    [Fact]
    public void Only_the_claim_holder_records_a_verdict_and_only_once()
    {
        var verdict = new SpotCheckVerdictRequest { Verdict = SpotCheckVerdict.Agree };

        Assert.Equal(ProblemTypes.NotClaimHolder, Refused(SpotCheckRules.Record(Open(), Mia, verdict, Now)).Type);
        Assert.Equal(ProblemTypes.NotClaimHolder, Refused(SpotCheckRules.Record(HeldBy(Rita), Mia, verdict, Now)).Type);
        var recorded = Changed(SpotCheckRules.Record(HeldBy(Mia), Mia, verdict, Now)).Item;
        Assert.Equal(ProblemTypes.SpotCheckDone, Refused(SpotCheckRules.Record(recorded with { ClaimedBy = "mia", ClaimExpiresAt = Now + Lease }, Mia, verdict, Now)).Type);
        Assert.Equal(ProblemTypes.SpotCheckDone, Refused(SpotRules.Claim(recorded, Rita, Now)).Type);
    }

    [Fact]
    public void Would_have_edited_keeps_the_edit_and_the_root_cause_and_frees_the_claim()
    {
        var request = new SpotCheckVerdictRequest
        {
            Verdict = SpotCheckVerdict.WouldHaveEdited,
            EditedResponse = "The return window is 30 days.",
            EditedParameters = new Dictionary<string, JsonElement> { ["days"] = JsonSerializer.SerializeToElement(30) },
            RootCause = RootCause.RetrievalConflict,
            Note = "cites the old policy",
            RejectReasonCode = "STALE_EVIDENCE", // not a reject: dropped
        };

        var changed = Changed(SpotCheckRules.Record(HeldBy(Mia), Mia, request, Now));

        Assert.Equal(SpotCheckVerdict.WouldHaveEdited, changed.Item.Verdict);
        Assert.Equal("The return window is 30 days.", changed.Item.EditedResponse);
        Assert.Equal("""{"days":30}""", changed.Item.EditedParametersJson);
        Assert.Null(changed.Item.RejectReasonCode);
        Assert.Equal(RootCause.RetrievalConflict, changed.Item.RootCause);
        Assert.Equal(("mia", Now), (changed.Item.Reviewer, changed.Item.ReviewedAt));
        Assert.Null(changed.Item.ClaimedBy);
        Assert.Equal(AuditEventTypes.SpotCheckReviewed, changed.Audit.Type);
        Assert.Equal("""{"verdict":"would_have_edited","rootCause":"retrieval_conflict","edited":true,"note":{"text":"cites the old policy"}}""", Json(changed.Audit.Data));
    }

    [Fact]
    public void Each_verdict_needs_its_own_fields()
    {
        Assert.Empty(SpotRules.Validate(new() { Verdict = SpotCheckVerdict.Agree }, "support.faq"));
        Assert.Equal(["$.editedResponse"], SpotRules.Validate(new() { Verdict = SpotCheckVerdict.WouldHaveEdited, RootCause = RootCause.Prompt }, "support.faq").Keys);
        Assert.Equal(["$.rejectReasonCode"], SpotRules.Validate(new() { Verdict = SpotCheckVerdict.WouldHaveRejected, RootCause = RootCause.Prompt }, "support.faq").Keys);
        Assert.Equal(["$.rejectReasonCode"],
            SpotRules.Validate(new() { Verdict = SpotCheckVerdict.WouldHaveRejected, RejectReasonCode = "BECAUSE", RootCause = RootCause.Prompt }, "support.faq").Keys);
        Assert.Equal(["$.verdict"], SpotRules.Validate(new() { Verdict = (SpotCheckVerdict)7 }, "support.faq").Keys);
        Assert.Empty(SpotRules.Validate(new() { Verdict = SpotCheckVerdict.WouldHaveRejected, RejectReasonCode = "STALE_EVIDENCE", RootCause = RootCause.RetrievalMiss }, "support.faq"));
    }

    [Fact]
    public void A_disagreeing_verdict_needs_a_root_cause_and_unknown_only_where_the_policy_allows_it()
    {
        var edited = new SpotCheckVerdictRequest { Verdict = SpotCheckVerdict.WouldHaveEdited, EditedResponse = "Better." };

        Assert.Equal(["$.rootCause"], SpotRules.Validate(edited, "support.faq").Keys);
        // support.faq allows "unknown" in the default policy; support.refund does not.
        Assert.Empty(SpotRules.Validate(edited with { RootCause = RootCause.Unknown }, "support.faq"));
        Assert.Equal(["$.rootCause"], SpotRules.Validate(edited with { RootCause = RootCause.Unknown }, "support.refund").Keys);
        Assert.Empty(SpotRules.Validate(edited with { RootCause = RootCause.Prompt }, "support.refund"));
        Assert.Equal(["$.rootCause"], SpotRules.Validate(edited with { RootCause = (RootCause)99 }, "support.refund").Keys);
    }

    [Fact]
    public void The_holder_releases_and_nobody_else_does()
    {
        Assert.Equal(ProblemTypes.NotClaimHolder, Refused(SpotCheckRules.Release(HeldBy(Rita), Mia, Now)).Type);
        var released = Changed(SpotCheckRules.Release(HeldBy(Mia), Mia, Now));
        Assert.Null(released.Item.ClaimedBy);
        Assert.Equal(AuditEventTypes.SpotCheckReleased, released.Audit.Type);
        Assert.Equal(SpotCheckState.Open, SpotCheckRules.StateOf(released.Item, Now));
    }
}
