using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// A lead's bulk actions from the queue, against the real SQLite database: each case through the review service as a
/// single action would go (claim, rules, audit), approval only for tier 0–1 cases with nothing irreversible to execute
/// by the catalogue's word.
/// </summary>
public sealed class BulkReviewTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private BulkReviewService Bulk => _app.Services.GetRequiredService<BulkReviewService>();

    private static readonly ReviewerIdentity Lena = new("lena", true, null);
    private static readonly ReviewerIdentity Rita = new("rita", false, new HashSet<string> { "support", "policy-legal" });

    /// <summary>A queued case from a sample, put in the support queue at the tier given (as the policy would for a low-risk case).</summary>
    private async Task<Guid> QueuedAsync(System.Text.Json.Nodes.JsonObject body, int tier)
    {
        var receipt = await _app.SubmitJsonAsync(body);
        await _app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == receipt.Id);
            c.RiskTier = tier;
            c.Queue = "support";
            c.Status = CaseStatus.Queued;
            await db.SaveChangesAsync();
            return 0;
        });
        return receipt.Id;
    }

    /// <summary>An answer with no action (support.faq).</summary>
    private Task<Guid> AnswerAsync(int tier = 0) => QueuedAsync(Samples.Json("005-"), tier);

    /// <summary>
    /// The refund of the sample, which the AI system calls reversible: the catalogue says payments.issue_refund is not.
    /// Put at tier 1, so nothing but the catalogue's word on reversibility stands between it and a bulk approval.
    /// </summary>
    private Task<Guid> RefundCalledReversibleAsync()
    {
        var body = Samples.Json(Samples.Queues);
        body["proposal"]!["action"]!["reversible"] = true;
        return QueuedAsync(body, tier: 1);
    }

    private Task<CaseStatus> StatusAsync(Guid id) => _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Status).SingleAsync());

    private Task<int> AuditAsync(Guid id, string type) => _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == type));

    [Fact]
    public async Task Bulk_approve_refuses_an_irreversible_refund_the_ai_system_called_reversible_and_approves_the_rest()
    {
        var answer = await AnswerAsync();
        var refund = await RefundCalledReversibleAsync();

        var outcomes = await Bulk.ApproveAsync(Lena, [answer, refund]);

        Assert.True(outcomes.Single(o => o.Id == answer).Done);
        var refused = outcomes.Single(o => o.Id == refund);
        Assert.False(refused.Done);
        Assert.Contains("Issue a refund (payments.issue_refund) is irreversible", refused.Reason);
        Assert.Equal(CaseStatus.Decided, await StatusAsync(answer));
        Assert.Equal(1, await AuditAsync(answer, AuditEventTypes.CaseDecided));
        // Nothing at all happened to the refund: not claimed, not decided.
        Assert.Equal(CaseStatus.Queued, await StatusAsync(refund));
        Assert.Equal(0, await AuditAsync(refund, AuditEventTypes.CaseClaimed));
        Assert.Equal(0, await AuditAsync(refund, AuditEventTypes.CaseDecided));
    }

    [Fact]
    public async Task The_preview_names_what_each_approval_would_do_and_writes_nothing()
    {
        var answer = await AnswerAsync();
        var refund = await RefundCalledReversibleAsync();
        var tier2 = await AnswerAsync(tier: 2);

        var preview = await Bulk.PreviewApprovalAsync(Lena, [answer, refund, tier2]);

        Assert.True(preview.Single(p => p.Id == answer).Done);
        Assert.Contains("irreversible", preview.Single(p => p.Id == refund).Reason);
        Assert.StartsWith("Tier 2:", preview.Single(p => p.Id == tier2).Reason);
        foreach (var id in new[] { answer, refund, tier2 })
        {
            Assert.Equal(CaseStatus.Queued, await StatusAsync(id));
        }
    }

    [Fact]
    public async Task A_tier_2_case_is_refused_by_bulk_approval_even_without_an_action()
    {
        var id = await AnswerAsync(tier: 2);
        var outcome = Assert.Single(await Bulk.ApproveAsync(Lena, [id]));
        Assert.False(outcome.Done);
        Assert.Equal(CaseStatus.Queued, await StatusAsync(id));
    }

    [Fact]
    public async Task A_reviewer_who_is_not_a_lead_is_refused_every_bulk_action_and_nothing_changes()
    {
        var id = await AnswerAsync();
        var mia = ReviewerDirectory.IdentityOf((await _app.Services.GetRequiredService<ReviewerDirectory>().FindAsync("mia", CancellationToken.None))!);

        foreach (var outcomes in new[]
        {
            await Bulk.ApproveAsync(Rita, [id]),
            await Bulk.RouteAsync(Rita, [id], "support-exceptions"),
            await Bulk.AssignAsync(Rita, [id], mia),
            await Bulk.PreviewApprovalAsync(Rita, [id]),
        })
        {
            Assert.Equal(BulkReviewService.NotLead, Assert.Single(outcomes).Reason);
        }
        Assert.Equal(CaseStatus.Queued, await StatusAsync(id));
        Assert.Equal(0, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type != AuditEventTypes.CaseSubmitted)));
    }

    [Fact]
    public async Task Bulk_route_and_assign_go_through_the_review_rules_with_their_audit_per_case()
    {
        var first = await AnswerAsync();
        var second = await AnswerAsync();
        var held = await AnswerAsync();
        // Rita holds one of them: the rules refuse a route by anyone else, as on the case page.
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(Rita, held));

        var routed = await Bulk.RouteAsync(Lena, [first, second, held], "support-exceptions");

        Assert.All(routed.Where(o => o.Id != held), o => Assert.True(o.Done, o.Reason));
        var refused = routed.Single(o => o.Id == held);
        Assert.False(refused.Done);
        Assert.Contains("rita", refused.Reason);
        foreach (var id in new[] { first, second })
        {
            Assert.Equal("support-exceptions", await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Queue).SingleAsync()));
            Assert.Equal(1, await AuditAsync(id, AuditEventTypes.CaseRouted));
        }
        Assert.Equal("support", await _app.WithDbAsync(db => db.Cases.Where(c => c.Id == held).Select(c => c.Queue).SingleAsync()));
        Assert.Equal(0, await AuditAsync(held, AuditEventTypes.CaseRouted));

        var mia = ReviewerDirectory.IdentityOf((await _app.Services.GetRequiredService<ReviewerDirectory>().FindAsync("mia", CancellationToken.None))!);
        var assigned = await Bulk.AssignAsync(Lena, [first, second], mia);
        Assert.All(assigned, o => Assert.True(o.Done, o.Reason));
        Assert.Equal(2, await _app.WithDbAsync(db => db.Cases.CountAsync(c => c.AssignedTo == "mia")));
        Assert.Equal(1, await AuditAsync(first, AuditEventTypes.CaseAssigned));
    }

    [Fact]
    public async Task A_case_that_left_the_queue_after_the_lead_selected_it_is_refused_by_each_bulk_action_and_left_as_it_is()
    {
        var stays = await AnswerAsync();
        var leaves = await AnswerAsync();
        // A colleague routes one of the two away after the lead ticked both in the support queue.
        var reviews = _app.Services.GetRequiredService<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(Rita, leaves));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(Rita, leaves, new ReviewActionRequest
        {
            Action = ReviewActionKind.Route,
            TargetQueue = "policy-legal",
            Note = "Legal should see this.",
        }));
        var mia = ReviewerDirectory.IdentityOf((await _app.Services.GetRequiredService<ReviewerDirectory>().FindAsync("mia", CancellationToken.None))!);

        var preview = await Bulk.PreviewApprovalAsync(Lena, [stays, leaves], "support");
        var assigned = await Bulk.AssignAsync(Lena, [stays, leaves], mia, "support");
        var approved = await Bulk.ApproveAsync(Lena, [leaves], "support");
        var routed = await Bulk.RouteAsync(Lena, [stays, leaves], "support-exceptions", "support");

        foreach (var outcomes in new[] { preview, assigned, approved, routed })
        {
            var refused = outcomes.Single(o => o.Id == leaves);
            Assert.False(refused.Done);
            Assert.Equal("It left this queue since it was selected: it is in policy-legal now.", refused.Reason);
        }
        Assert.True(assigned.Single(o => o.Id == stays).Done);
        Assert.True(routed.Single(o => o.Id == stays).Done);
        var left = await _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == leaves));
        Assert.Equal(("policy-legal", (string?)null, CaseStatus.Queued), (left.Queue, left.AssignedTo, left.Status));
        Assert.Equal(1, await AuditAsync(leaves, AuditEventTypes.CaseRouted));
        Assert.Equal(0, await AuditAsync(leaves, AuditEventTypes.CaseAssigned));
    }

    private Workbench.Web.Notes.BulkRouteNotes RouteNotes => _app.Services.GetRequiredService<Workbench.Web.Notes.BulkRouteNotes>();

    private Task<string?> QueueOfAsync(Guid id) => _app.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Queue).SingleAsync());

    [Fact]
    public async Task Bulk_route_with_a_note_leaves_it_as_an_internal_note_on_each_case_routed_mentions_and_all()
    {
        var first = await AnswerAsync();
        var second = await AnswerAsync();
        const string note = "  Customer asked for a human twice <b>today</b>; @mia knows the account.  ";

        var result = await RouteNotes.RouteAsync(Lena, [first, second], "support-exceptions", note);

        Assert.Null(result.Refused);
        Assert.All(result.Outcomes, o => Assert.True(o.Done, o.Reason));
        foreach (var id in new[] { first, second })
        {
            Assert.Equal("support-exceptions", await QueueOfAsync(id));
            var stored = await _app.WithDbAsync(db => db.CaseNotes.Include(n => n.Mentions).Where(n => n.CaseId == id).ToListAsync());
            var written = Assert.Single(stored);
            // Stored as written (trimmed), shown inert wherever notes are shown.
            Assert.Equal(("lena", note.Trim()), (written.Author, written.Text));
            Assert.Equal("mia", Assert.Single(written.Mentions).UserName);
            Assert.Equal(1, await AuditAsync(id, AuditEventTypes.CaseMentioned));
            Assert.Equal(0, await _app.WithDbAsync(db => db.OutboxEvents.CountAsync(e => e.CaseId == id && e.Body.Contains("knows the account"))));
        }
    }

    [Fact]
    public async Task Bulk_route_without_a_note_writes_no_note()
    {
        var id = await AnswerAsync();
        var result = await RouteNotes.RouteAsync(Lena, [id], "support-exceptions", "   ");
        Assert.True(Assert.Single(result.Outcomes).Done);
        Assert.Equal(0, await _app.WithDbAsync(db => db.CaseNotes.CountAsync(n => n.CaseId == id)));
    }

    [Theory]
    [InlineData(501, null, "at most 500 characters")]
    [InlineData(0, "Please check, @rita.", "@rita does not work the queue support-exceptions")]
    [InlineData(0, "For @nobody-here.", "There is nobody called @nobody-here")]
    public async Task A_note_the_receiving_queue_could_not_take_routes_nothing_and_says_why(int length, string? text, string message)
    {
        var id = await AnswerAsync();

        var result = await RouteNotes.RouteAsync(Lena, [id], "support-exceptions", text ?? new string('x', length));

        Assert.NotNull(result.Refused);
        Assert.Contains(message, string.Join(" ", result.Refused.Errors.SelectMany(e => e.Value)));
        Assert.Empty(result.Outcomes);
        Assert.Equal("support", await QueueOfAsync(id));
        Assert.Equal(0, await AuditAsync(id, AuditEventTypes.CaseRouted));
        Assert.Equal(0, await _app.WithDbAsync(db => db.CaseNotes.CountAsync(n => n.CaseId == id)));
    }
}
