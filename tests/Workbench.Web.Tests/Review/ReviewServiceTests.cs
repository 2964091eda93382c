using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Web.Auth;
using Workbench.Web.Review;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Review;

/// <summary>The review service against a real SQLite database, with a clock the tests move.</summary>
public sealed class ReviewServiceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;

    public ReviewServiceTests()
    {
        _app = new WorkbenchFactory
        {
            Settings = { ["Review:SelfApprovalDeny:demo-agent:0"] = "owner-of-demo-agent" },
            TestServices = s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                // The tests return expired leases themselves; the sweeper's own timer is tested below.
                var sweeper = s.Single(d => d.ImplementationType == typeof(LeaseSweeper));
                s.Remove(sweeper);
            },
        };
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private ReviewService Reviews => _app.Services.GetRequiredService<ReviewService>();

    private static ReviewerIdentity Reviewer(string name, params string[] queues) => new(name, false, queues.ToHashSet());

    private static readonly ReviewerIdentity Rita = Reviewer("rita", "support", "policy-legal");
    private static readonly ReviewerIdentity Mia = Reviewer("mia", "policy-legal");
    private static readonly ReviewerIdentity Felix = Reviewer("felix", "finance");
    private static readonly ReviewerIdentity Lena = new("lena", true, null);

    /// <summary>A case queued in policy-legal (the sample with conflicting refund policies), optionally four-eyes.</summary>
    private async Task<Guid> QueuedCaseAsync(int approvals = 1, string queue = "policy-legal")
    {
        var receipt = (await _app.SubmitSampleAsync(Samples.Queues));
        await _app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == receipt.Id);
            c.ApprovalsRequired = approvals;
            c.Queue = queue;
            await db.SaveChangesAsync();
            return 0;
        });
        return receipt.Id;
    }

    private static ReviewCaseView Ok(ReviewResult result) => Assert.IsType<ReviewResult.Ok>(result).Case;

    private static ReviewActionRequest Approve => Samples.Approval(Samples.Queues);

    private static ReviewActionRequest Edit(string text) => Samples.Approval(Samples.Queues, ReviewActionKind.ApproveWithEdits) with { EditedResponse = text };

    [Fact]
    public async Task A_claim_is_one_reviewer_at_a_time()
    {
        var id = await QueuedCaseAsync();
        var claimed = Ok(await Reviews.ClaimAsync(Rita, id));
        Assert.Equal(CaseStatus.InReview, claimed.Status);
        Assert.Equal("rita", claimed.ClaimedBy);

        var theft = Assert.IsType<ReviewResult.Conflict>(await Reviews.ClaimAsync(Mia, id));
        Assert.Equal(ProblemTypes.AlreadyClaimed, theft.Type);
        Assert.Contains("rita", theft.Detail);

        var forged = Assert.IsType<ReviewResult.Conflict>(await Reviews.ActAsync(Mia, id, Approve));
        Assert.Equal(ProblemTypes.NotClaimHolder, forged.Type);
        Assert.Equal(CaseStatus.InReview, forged.Current.Status);
    }

    [Fact]
    public async Task An_expired_lease_returns_the_case_and_the_old_holder_can_no_longer_act()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        _clock.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(1, await Reviews.ExpireLeasesAsync());
        var afterSweep = await _app.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == id));
        Assert.Equal(CaseStatus.Queued, afterSweep.Status);
        Assert.Null(afterSweep.ClaimedBy);

        Ok(await Reviews.ClaimAsync(Mia, id));
        var late = Assert.IsType<ReviewResult.Conflict>(await Reviews.ActAsync(Rita, id, Approve));
        Assert.Equal(ProblemTypes.NotClaimHolder, late.Type);
        Assert.Equal(1, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == "case.lease_expired")));
    }

    [Fact]
    public async Task An_expired_claim_can_be_taken_over_without_waiting_for_the_sweeper()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        _clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal("mia", Ok(await Reviews.ClaimAsync(Mia, id)).ClaimedBy);
    }

    [Fact]
    public async Task Renewing_keeps_the_claim_alive()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        _clock.Advance(TimeSpan.FromMinutes(8));
        Ok(await Reviews.RenewAsync(Rita, id));
        _clock.Advance(TimeSpan.FromMinutes(8));
        Assert.IsType<ReviewResult.Conflict>(await Reviews.ClaimAsync(Mia, id));
        Assert.Equal(CaseStatus.Decided, Ok(await Reviews.ActAsync(Rita, id, Approve)).Status);
    }

    [Fact]
    public async Task Approve_decides_and_the_ai_system_gets_the_decision()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        var decided = Ok(await Reviews.ActAsync(Rita, id, Approve with { Note = "policy v7 applies" }));
        Assert.Equal(CaseStatus.Decided, decided.Status);
        Assert.Null(decided.ClaimedBy);

        var decision = await _app.ApiClient().GetFromJsonAsync<DecisionView>($"/api/v1/cases/{id}/decision", WorkbenchJson.Options);
        Assert.Equal(DecisionKind.Approved, decision!.Decision);
        Assert.Equal(["rita"], decision.Reviewers);
        Assert.Equal("policy v7 applies", decision.Note);
        Assert.False(string.IsNullOrEmpty(decision.ResponseText));
        Assert.Equal(1, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == "case.decided")));
    }

    [Fact]
    public async Task Approve_with_edits_sends_the_edited_text()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        Ok(await Reviews.ActAsync(Rita, id, Edit("Refund approved under policy v7.")));
        var decision = await _app.ApiClient().GetFromJsonAsync<DecisionView>($"/api/v1/cases/{id}/decision", WorkbenchJson.Options);
        Assert.Equal(DecisionKind.ApprovedWithEdits, decision!.Decision);
        Assert.Equal("Refund approved under policy v7.", decision.ResponseText);
        var action = await _app.WithDbAsync(db => db.ReviewActions.SingleAsync(a => a.CaseId == id));
        Assert.Equal("Refund approved under policy v7.", action.EditedResponse);
    }

    [Fact]
    public async Task Four_eyes_needs_two_distinct_reviewers()
    {
        var id = await QueuedCaseAsync(approvals: 2);
        Ok(await Reviews.ClaimAsync(Rita, id));
        var first = Ok(await Reviews.ActAsync(Rita, id, Approve));
        Assert.Equal(CaseStatus.Queued, first.Status);
        Assert.Equal(["rita"], first.ApprovedBy);
        Assert.Equal(2, first.ApprovalsRequired);

        Ok(await Reviews.ClaimAsync(Rita, id));
        var again = Assert.IsType<ReviewResult.Forbidden>(await Reviews.ActAsync(Rita, id, Approve));
        Assert.Equal(ProblemTypes.SecondApproverRequired, again.Type);
        Ok(await Reviews.ReleaseAsync(Rita, id));

        Ok(await Reviews.ClaimAsync(Mia, id));
        var decided = Ok(await Reviews.ActAsync(Mia, id, Approve));
        Assert.Equal(CaseStatus.Decided, decided.Status);
        Assert.Equal(["rita", "mia"], decided.Decision!.Reviewers);
    }

    [Fact]
    public async Task An_edit_starts_a_new_approval_round_so_every_approval_covers_the_released_text()
    {
        var id = await QueuedCaseAsync(approvals: 2);
        Ok(await Reviews.ClaimAsync(Rita, id));
        Ok(await Reviews.ActAsync(Rita, id, Approve)); // rita approved the proposal

        Ok(await Reviews.ClaimAsync(Mia, id));
        var edited = Ok(await Reviews.ActAsync(Mia, id, Edit("Edited by mia.")));
        Assert.Equal(CaseStatus.Queued, edited.Status); // rita never saw mia's text: her approval no longer counts
        Assert.Equal(["mia"], edited.ApprovedBy);

        Ok(await Reviews.ClaimAsync(Rita, id));
        var decided = Ok(await Reviews.ActAsync(Rita, id, Approve));
        Assert.Equal(CaseStatus.Decided, decided.Status);
        Assert.Equal(DecisionKind.ApprovedWithEdits, decided.Decision!.Decision);
        Assert.Equal("Edited by mia.", decided.Decision.ResponseText);
        Assert.Equal(["mia", "rita"], decided.Decision.Reviewers);
    }

    [Fact]
    public async Task Routing_starts_over_from_the_proposal()
    {
        var id = await QueuedCaseAsync(approvals: 2);
        Ok(await Reviews.ClaimAsync(Rita, id));
        Ok(await Reviews.ActAsync(Rita, id, Edit("Rita's text.")));
        Ok(await Reviews.ClaimAsync(Mia, id));
        var routed = Ok(await Reviews.ActAsync(Mia, id, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "support" }));
        Assert.Empty(routed.ApprovedBy);
        var stored = await _app.WithDbAsync(db => db.Cases.SingleAsync(c => c.Id == id));
        Assert.Null(stored.EditedResponse);
        Assert.Null(stored.EditedBy);
    }

    [Fact]
    public async Task Next_case_skips_cases_the_reviewer_already_approved()
    {
        var id = await QueuedCaseAsync(approvals: 2);
        Ok(await Reviews.ClaimAsync(Rita, id));
        Ok(await Reviews.ActAsync(Rita, id, Approve));
        var next = await Reviews.NextAsync(Rita, "policy-legal");
        Assert.False(next is ReviewResult.Ok ok && ok.Case.Id == id);
    }

    [Theory]
    [InlineData("demo-agent")]
    [InlineData("owner-of-demo-agent")]
    public async Task The_submitter_and_its_deny_list_can_never_approve(string who)
    {
        var id = await QueuedCaseAsync();
        var reviewer = Reviewer(who, "policy-legal");
        Ok(await Reviews.ClaimAsync(reviewer, id));
        var refused = Assert.IsType<ReviewResult.Forbidden>(await Reviews.ActAsync(reviewer, id, Approve));
        Assert.Equal(ProblemTypes.SelfApproval, refused.Type);
        // Rejecting is still possible: the rule is about approving one's own work.
        Ok(await Reviews.ActAsync(reviewer, id, new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = "MULTI_POLICY_CONFLICT", RootCause = RootCause.RetrievalConflict }));
    }

    [Fact]
    public async Task A_reviewer_sees_and_acts_only_on_his_queues()
    {
        var id = await QueuedCaseAsync(queue: "finance");
        Assert.IsType<ReviewResult.NotFound>(await Reviews.ClaimAsync(Rita, id));
        Assert.IsType<ReviewResult.NotFound>(await Reviews.ActAsync(Rita, id, Approve));
        Assert.IsType<ReviewResult.NotFound>(await Reviews.NextAsync(Rita, "finance"));
        Assert.Equal("felix", Ok(await Reviews.ClaimAsync(Felix, id)).ClaimedBy);
    }

    [Fact]
    public async Task Reject_needs_a_reason_code_of_the_policy()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        Assert.IsType<ReviewResult.Invalid>(await Reviews.ActAsync(Rita, id, new ReviewActionRequest { Action = ReviewActionKind.Reject }));
        var unknown = Assert.IsType<ReviewResult.Invalid>(await Reviews.ActAsync(Rita, id, new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = "BECAUSE" }));
        Assert.True(unknown.Errors.ContainsKey("$.rejectReasonCode"));
        var rejected = Ok(await Reviews.ActAsync(Rita, id, new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = "MULTI_POLICY_CONFLICT", Note = "cites v6", RootCause = RootCause.RetrievalConflict }));
        Assert.Equal(DecisionKind.Rejected, rejected.Decision!.Decision);
        Assert.Equal("MULTI_POLICY_CONFLICT", rejected.Decision.RejectReasonCode);
        Assert.Null(rejected.Decision.ResponseText);
    }

    [Fact]
    public async Task Request_info_goes_back_to_the_ai_system_and_its_reply_requeues_the_case()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        var asked = Ok(await Reviews.ActAsync(Rita, id, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which policy version did the customer accept?" }));
        Assert.Equal(CaseStatus.AwaitingInfo, asked.Status);

        var started = DateTime.UtcNow;
        var pending = await _app.ApiClient().GetAsync($"/api/v1/cases/{id}/decision?wait=50");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "a question for the AI system ends the wait at once");
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        var view = (await pending.Content.ReadFromJsonAsync<PendingDecisionView>(WorkbenchJson.Options))!;
        Assert.Equal("Which policy version did the customer accept?", view.Question);

        var reply = await _app.ApiClient().PostAsJsonAsync($"/api/v1/cases/{id}/replies", new { message = "v7, accepted on 2026-10-02." });
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("rita", Ok(await Reviews.ClaimAsync(Rita, id)).ClaimedBy);
    }

    [Fact]
    public async Task Route_moves_the_case_to_another_queue_where_its_reviewers_find_it()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        var routed = Ok(await Reviews.ActAsync(Rita, id, new ReviewActionRequest { Action = ReviewActionKind.Route, TargetQueue = "finance", Note = "refund over 500" }));
        Assert.Equal("finance", routed.Queue);
        Assert.Equal(CaseStatus.Queued, routed.Status);
        Assert.Equal(id, Ok(await Reviews.NextAsync(Felix, "finance")).Id);
        Assert.IsType<ReviewResult.NotFound>(await Reviews.ClaimAsync(Rita, id));
    }

    [Fact]
    public async Task Ten_rapid_approve_clicks_give_one_decision_and_one_audit_event()
    {
        var id = await QueuedCaseAsync();
        Ok(await Reviews.ClaimAsync(Rita, id));
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Reviews.ActAsync(Rita, id, Approve)));
        Assert.Single(results, r => r is ReviewResult.Ok);
        Assert.All(results.Where(r => r is not ReviewResult.Ok), r => Assert.IsType<ReviewResult.Conflict>(r));
        Assert.Equal(1, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == "case.decided")));
        Assert.Equal(1, await _app.WithDbAsync(db => db.ReviewActions.CountAsync(a => a.CaseId == id)));
    }

    [Fact]
    public async Task Fifty_reviewers_racing_over_twenty_cases_decide_each_exactly_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await QueuedCaseAsync(queue: "brand"));
        }
        var reviewers = Enumerable.Range(0, 50).Select(i => Reviewer($"reviewer{i}", "brand")).ToList();
        var decisions = 0;
        await Task.WhenAll(reviewers.Select(async r =>
        {
            while (await Reviews.NextAsync(r, "brand") is ReviewResult.Ok claimed)
            {
                if (await Reviews.ActAsync(r, claimed.Case.Id, Approve) is ReviewResult.Ok)
                {
                    Interlocked.Increment(ref decisions);
                }
            }
        }));

        Assert.Equal(20, decisions);
        var stored = await _app.WithDbAsync(db => db.Cases.Where(c => ids.Contains(c.Id)).ToListAsync());
        Assert.All(stored, c => Assert.Equal(CaseStatus.Decided, c.Status));
        var decidedEvents = await _app.WithDbAsync(db => db.AuditEvents.Where(a => a.CaseId != null && ids.Contains(a.CaseId.Value) && a.Type == "case.decided").CountAsync());
        Assert.Equal(20, decidedEvents);
    }

    [Fact]
    public async Task A_lead_assigns_a_case_and_it_is_at_the_top_of_that_reviewers_queue()
    {
        var older = await QueuedCaseAsync();
        var assigned = await QueuedCaseAsync();
        Ok(await Reviews.AssignAsync(Lena, assigned, Mia));
        Assert.Equal(assigned, Ok(await Reviews.NextAsync(Mia, "policy-legal")).Id);
        var ritas = await Reviews.NextAsync(Rita, "policy-legal");
        Assert.NotEqual(assigned, Assert.IsType<ReviewResult.Ok>(ritas).Case.Id);
        Assert.IsType<ReviewResult.Forbidden>(await Reviews.AssignAsync(Rita, older, Mia));
        Assert.IsType<ReviewResult.Invalid>(await Reviews.AssignAsync(Lena, older, Felix));
    }

    [Fact]
    public async Task A_stale_revision_is_refused_with_the_current_state()
    {
        var id = await QueuedCaseAsync();
        var claimed = Ok(await Reviews.ClaimAsync(Rita, id));
        Ok(await Reviews.RenewAsync(Rita, id));
        var stale = Assert.IsType<ReviewResult.Conflict>(await Reviews.ActAsync(Rita, id, Approve with { ExpectedRevision = claimed.Revision }));
        Assert.Equal(ProblemTypes.StaleRevision, stale.Type);
        Assert.Equal(claimed.Revision + 1, stale.Current.Revision);
    }
}

public sealed class LeaseSweeperTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WorkbenchFactory _app;

    public LeaseSweeperTests() => _app = new WorkbenchFactory { TestServices = s => s.AddSingleton<TimeProvider>(_clock) };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_sweeper_returns_an_expired_claim_to_its_queue_on_its_own()
    {
        var id = (await _app.SubmitSampleAsync(Samples.Queues)).Id;
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(new ReviewerIdentity("rita", false, new HashSet<string> { "policy-legal" }), id));

        _clock.Advance(TimeSpan.FromMinutes(11));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        CaseStatus status;
        do
        {
            _clock.Advance(LeaseSweeper.Interval);
            await Task.Delay(50);
            status = await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Status).SingleAsync());
        }
        while (status != CaseStatus.Queued && DateTime.UtcNow < deadline);
        Assert.Equal(CaseStatus.Queued, status);
    }
}
