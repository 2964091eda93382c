using Workbench.Web.Review;

namespace Workbench.Web.Auditing;

/// <summary>What the audit page's search asks for: each part optional; <c>Before</c> pages to older events.</summary>
public sealed record AuditEventFilter(Guid? CaseId = null, string? Actor = null, string? Type = null, long? Before = null);

/// <summary>One page of the audit event list, and how many cases' events it leaves out for this viewer.</summary>
public sealed record AuditEventPage(IReadOnlyList<AuditEventRecord> Events, int WithheldCases);

/// <summary>
/// The audit event list (<c>/audit</c>), newest first. A case whose blind second review is pending has its events left
/// out for every viewer who did not act on it — the rule of <see cref="DoubleReviewService.WithholdsAsync"/>
/// that the case page and the case's audit record already apply — and they are left out in SQL, before the filters,
/// so that a search by type or actor (<c>case.decided</c>, the first reviewer's name) cannot tell them either.
/// </summary>
public sealed class AuditEventList(IDbContextFactory<WorkbenchDbContext> dbFactory)
{
    public async Task<AuditEventPage> PageAsync(AuditEventFilter filter, string viewer, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Visible(db, viewer);
        if (filter.CaseId is { } caseId)
        {
            q = q.Where(a => a.CaseId == caseId);
        }
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim();
            q = q.Where(a => a.Actor == actor);
        }
        if (!string.IsNullOrWhiteSpace(filter.Type))
        {
            var type = filter.Type.Trim();
            q = q.Where(a => a.Type == type);
        }
        if (filter.Before is { } before)
        {
            q = q.Where(a => a.Sequence < before);
        }
        var events = await q.OrderByDescending(a => a.Sequence).Take(take).ToListAsync(ct);
        var withheld = await WithheldCases(db, viewer).CountAsync(ct);
        return new AuditEventPage(events, withheld);
    }

    /// <summary>The cases whose blind second review is pending and that this viewer did not act on.</summary>
    private static IQueryable<DoubleReviewRecord> WithheldCases(WorkbenchDbContext db, string viewer) =>
        db.DoubleReviews.Where(d => d.Verdict == null && !db.ReviewActions.Any(r => r.CaseId == d.CaseId && r.Reviewer == viewer));

    private static IQueryable<AuditEventRecord> Visible(WorkbenchDbContext db, string viewer)
    {
        var withheld = WithheldCases(db, viewer); // a captured query: EF inlines it as a NOT EXISTS subquery
        return db.AuditEvents.AsNoTracking().Where(a => a.CaseId == null || !withheld.Any(d => d.CaseId == a.CaseId));
    }
}
