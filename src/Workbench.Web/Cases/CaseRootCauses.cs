namespace Workbench.Web.Cases;

/// <summary>
/// The root cause of a case as every figure reads it (Insights, the board): the latest review action that carries one
/// — a reviewer may change it afterwards, and a later action may name another — else the spot check's verdict.
/// </summary>
public static class CaseRootCauses
{
    /// <summary>The root cause of each of the cases that has one.</summary>
    public static async Task<Dictionary<Guid, RootCause>> OfAsync(WorkbenchDbContext db, IQueryable<CaseRecord> cases, CancellationToken ct)
    {
        var causes = (await db.ReviewActions.AsNoTracking()
                .Where(a => a.RootCause != null && cases.Any(c => c.Id == a.CaseId))
                .Select(a => new { a.CaseId, a.Id, a.RootCause })
                .ToListAsync(ct))
            .GroupBy(a => a.CaseId)
            .ToDictionary(g => g.Key, g => g.MaxBy(a => a.Id)!.RootCause!.Value);
        var spotChecks = await db.SpotChecks.AsNoTracking()
            .Where(s => s.Verdict != null && s.RootCause != null && cases.Any(c => c.Id == s.CaseId))
            .Select(s => new { s.CaseId, s.RootCause })
            .ToListAsync(ct);
        foreach (var s in spotChecks)
        {
            causes.TryAdd(s.CaseId, s.RootCause!.Value);
        }
        return causes;
    }

    /// <summary>How many of the cases have each root cause.</summary>
    public static IReadOnlyDictionary<RootCause, int> Mix(IEnumerable<RootCause> causes) =>
        causes.GroupBy(c => c).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());
}
