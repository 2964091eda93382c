namespace Workbench.Web.Cases;

/// <summary>
/// Taking back a decision still held in its undo window, whoever takes it back: the reviewer who made it (undo) or the
/// AI system withdrawing the case, to which the case is still in review.
/// </summary>
public static class HeldDecisions
{
    /// <summary>
    /// What the held decision wrote for later goes with it, in the caller's transaction: its held webhook event, its
    /// blind second review, and the deciding action kept for learning (a decision taken back is no reviewer's verdict).
    /// False when the dispatcher released the decision first: it has gone out, and the caller must not take it back.
    /// </summary>
    public static async Task<bool> TakeBackAsync(WorkbenchDbContext db, Guid caseId, DateTimeOffset heldUntil, string decidedBy, CancellationToken ct)
    {
        if (!await Outbox.WithdrawHeldAsync(db, caseId, heldUntil, ct))
        {
            return false;
        }
        if (await db.DoubleReviews.FirstOrDefaultAsync(d => d.CaseId == caseId && d.Verdict == null, ct) is { } second)
        {
            db.DoubleReviews.Remove(second);
        }
        if (await db.ReviewActions.Where(a => a.CaseId == caseId && a.Reviewer == decidedBy).OrderByDescending(a => a.Id).FirstOrDefaultAsync(ct) is { } action)
        {
            db.ReviewActions.Remove(action);
        }
        return true;
    }

    /// <summary>Who made the held decision of <paramref name="c"/> (null when it has none).</summary>
    public static string? DecidedBy(CaseRecord c) =>
        c.UndoJson is null ? null : JsonSerializer.Deserialize<Core.Review.UndoState>(c.UndoJson, WorkbenchJson.Options)?.DecidedBy;
}
