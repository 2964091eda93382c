using Microsoft.EntityFrameworkCore;
using Workbench.Core.Cases;
using Workbench.Data;

namespace Workbench.Web.Queues;

public sealed record QueueSummary(
    string Name,
    string Title,
    int Depth,
    int InReview,
    int AwaitingInfo,
    int DueSoon,
    int Breached,
    TimeSpan? OldestAge);

public sealed record QueueCaseRow(
    Guid Id,
    string ExternalId,
    string Workflow,
    int RiskTier,
    CaseStatus Status,
    CasePriority Priority,
    string[] ReasonCodes,
    string RequestPreview,
    DateTimeOffset? SlaDueAt,
    DateTimeOffset CreatedAt,
    string? ClaimedBy);

/// <summary>The reads behind the queues pages: counts per queue and the open cases of one queue.</summary>
public sealed class QueueQueries(IDbContextFactory<WorkbenchDbContext> dbFactory, IQueueCatalog catalog, TimeProvider time)
{
    /// <summary>A case is "due soon" when its SLA ends within this window.</summary>
    public static readonly TimeSpan DueSoonWindow = TimeSpan.FromHours(1);

    public async Task<IReadOnlyList<QueueSummary>> SummariesAsync(IReadOnlySet<string>? visibleQueues, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var soon = now + DueSoonWindow;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stats = await db.Cases.AsNoTracking()
            .Where(c => c.Queue != null &&
                        (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview || c.Status == CaseStatus.AwaitingInfo))
            .GroupBy(c => c.Queue!)
            .Select(g => new
            {
                Queue = g.Key,
                Depth = g.Count(c => c.Status != CaseStatus.AwaitingInfo),
                InReview = g.Count(c => c.Status == CaseStatus.InReview),
                AwaitingInfo = g.Count(c => c.Status == CaseStatus.AwaitingInfo),
                DueSoon = g.Count(c => c.Status != CaseStatus.AwaitingInfo && c.SlaDueAt >= now && c.SlaDueAt < soon),
                Breached = g.Count(c => c.Status != CaseStatus.AwaitingInfo && c.SlaDueAt < now),
                Oldest = g.Where(c => c.Status != CaseStatus.AwaitingInfo).Min(c => (DateTimeOffset?)c.CreatedAt),
            })
            .ToDictionaryAsync(s => s.Queue, ct);

        return catalog.Queues
            .Where(q => visibleQueues is null || visibleQueues.Contains(q.Name))
            .Select(q => stats.TryGetValue(q.Name, out var s)
                ? new QueueSummary(q.Name, q.Title, s.Depth, s.InReview, s.AwaitingInfo, s.DueSoon, s.Breached, now - s.Oldest)
                : new QueueSummary(q.Name, q.Title, 0, 0, 0, 0, 0, null))
            .ToList();
    }

    public async Task<IReadOnlyList<QueueCaseRow>> OpenCasesAsync(string queue, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Cases.AsNoTracking()
            .Where(c => c.Queue == queue && (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview))
            .OrderBy(c => c.SlaDueAt).ThenByDescending(c => c.Priority).ThenBy(c => c.CreatedAt)
            .Take(take)
            .Select(c => new { c.Id, c.ExternalId, c.Workflow, c.RiskTier, c.Status, c.Priority, c.ReasonCodes, c.RequestPreview, c.SlaDueAt, c.CreatedAt, c.ClaimedBy })
            .ToListAsync(ct);
        return rows.Select(c => new QueueCaseRow(c.Id, c.ExternalId, c.Workflow, c.RiskTier, c.Status, c.Priority,
            c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries), c.RequestPreview, c.SlaDueAt, c.CreatedAt, c.ClaimedBy)).ToList();
    }
}
