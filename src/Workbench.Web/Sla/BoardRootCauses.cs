namespace Workbench.Web.Sla;

/// <summary>
/// The board's root-cause mix: why the cases people reviewed over the last seven days needed them — the cases a person
/// decided (by decision time; an expiry is nobody's decision) and the spot checks a person reviewed (by review time),
/// each with its root cause as Insights reads it (<see cref="CaseRootCauses"/>).
/// </summary>
public sealed class BoardRootCauses(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time)
{
    public static readonly TimeSpan Period = TimeSpan.FromDays(7);

    public async Task<IReadOnlyDictionary<RootCause, int>> MixAsync(CancellationToken ct = default)
    {
        var since = time.GetUtcNow() - Period;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var reviewed = db.Cases.AsNoTracking().Where(c =>
            (c.Status == CaseStatus.Decided && c.DecidedAt >= since) ||
            (c.SpotCheckItem != null && c.SpotCheckItem.ReviewedAt >= since));
        return CaseRootCauses.Mix((await CaseRootCauses.OfAsync(db, reviewed, ct)).Values);
    }
}
