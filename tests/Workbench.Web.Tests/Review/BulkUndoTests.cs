using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Tests.Review;

/// <summary>
/// A lead's bulk approvals wait in their undo windows like any decision, and the lead takes them back together: each
/// case through the review rules' undo (only the one who decided, within the window, audited), back in its queue as
/// before. The app's clock is a FakeTimeProvider the test moves.
/// </summary>
public sealed class BulkUndoTests : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly ReviewerIdentity Lena = new("lena", true, null);
    private static readonly ReviewerIdentity Leo = new("leo", true, null);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private WorkbenchFactory _app = default!;

    public Task InitializeAsync()
    {
        _app = new WorkbenchFactory { TestServices = s => s.AddSingleton<TimeProvider>(_clock) };
        _app.Settings["Review:UndoWindow"] = "00:00:10";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private BulkReviewService Bulk => _app.Services.GetRequiredService<BulkReviewService>();

    /// <summary>A queued tier-0 answer (support.faq) in the support queue: what a lead may approve in bulk.</summary>
    private async Task<Guid> AnswerAsync()
    {
        var receipt = await _app.SubmitJsonAsync(Samples.Json("005-"));
        await _app.WithDbAsync(async db =>
        {
            var c = await db.Cases.SingleAsync(x => x.Id == receipt.Id);
            (c.RiskTier, c.Queue, c.Status) = (0, "support", CaseStatus.Queued);
            return await db.SaveChangesAsync();
        });
        return receipt.Id;
    }

    private Task<CaseRecord> CaseAsync(Guid id) => _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id));

    private Task<int> AuditAsync(Guid id, string type) => _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId == id && a.Type == type));

    [Fact]
    public async Task The_lead_undoes_his_bulk_approvals_within_the_window_and_each_case_is_back_in_its_queue_unclaimed_with_nothing_sent()
    {
        var first = await AnswerAsync();
        var second = await AnswerAsync();

        var approved = await Bulk.ApproveAsync(Lena, [first, second]);
        Assert.All(approved, o => Assert.Equal(_clock.GetUtcNow() + Window, o.ReleaseAt));
        _clock.Advance(TimeSpan.FromSeconds(8));
        var undone = await Bulk.UndoApprovalsAsync(Lena, [first, second]);

        Assert.All(undone, o => Assert.True(o.Done, o.Reason));
        foreach (var id in new[] { first, second })
        {
            var c = await CaseAsync(id);
            Assert.Equal((CaseStatus.Queued, null, null, "support"), (c.Status, c.ClaimedBy, c.Decision, c.Queue));
            Assert.Equal(1, await AuditAsync(id, AuditEventTypes.CaseDecisionUndone));
            Assert.Equal(0, await _app.WithDbAsync(db => db.OutboxEvents.CountAsync(e => e.CaseId == id)));
        }
    }

    [Fact]
    public async Task Another_lead_may_not_undo_them_and_after_the_window_the_approvals_stand()
    {
        var id = await AnswerAsync();
        Assert.True(Assert.Single(await Bulk.ApproveAsync(Lena, [id])).Done);

        var byLeo = Assert.Single(await Bulk.UndoApprovalsAsync(Leo, [id]));
        Assert.False(byLeo.Done);
        Assert.Contains("Only lena", byLeo.Reason);

        _clock.Advance(Window);
        var late = Assert.Single(await Bulk.UndoApprovalsAsync(Lena, [id]));
        Assert.False(late.Done);
        Assert.Contains("can no longer be undone", late.Reason);
        Assert.Equal(CaseStatus.Decided, (await CaseAsync(id)).Status);
        Assert.Equal(0, await AuditAsync(id, AuditEventTypes.CaseDecisionUndone));
    }
}
