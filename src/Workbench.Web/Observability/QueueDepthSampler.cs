using System.Diagnostics.Metrics;

namespace Workbench.Web.Observability;

/// <summary>
/// The queue-depth gauge's numbers: one grouped count, cached; a collection older than the refresh interval starts
/// a new count in the background and reports the cached one, so a scrape never waits for the database and many
/// scrapes never make many queries. Nothing is queried until something observes the gauge.
/// </summary>
public sealed class QueueDepthSampler(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ILogger<QueueDepthSampler> logger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private static readonly CaseStatus[] Open = [CaseStatus.Queued, CaseStatus.InReview, CaseStatus.AwaitingInfo];

    private IReadOnlyList<Measurement<long>> _cached = [];
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private int _refreshing;

    public IEnumerable<Measurement<long>> Observe()
    {
        if (time.GetUtcNow() - _refreshedAt >= RefreshInterval && Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            _ = Task.Run(RefreshAsync);
        }
        return _cached;
    }

    public async Task RefreshAsync()
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var rows = await db.Cases.AsNoTracking()
                .Where(c => Open.Contains(c.Status))
                .GroupBy(c => new { c.Queue, c.Status })
                .Select(g => new { g.Key.Queue, g.Key.Status, Count = g.LongCount() })
                .ToListAsync();
            _cached = rows.Select(r => new Measurement<long>(r.Count,
                new KeyValuePair<string, object?>("queue", r.Queue ?? "none"),
                new KeyValuePair<string, object?>("status", System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Status.ToString())))).ToList();
            _refreshedAt = time.GetUtcNow();
        }
        catch (Exception ex)
        {
            // A metric must never take the app down; the last numbers stay until the next try.
            logger.LogWarning(ex, "Counting the queue depth for the metrics failed");
            _refreshedAt = time.GetUtcNow();
        }
        finally
        {
            Interlocked.Exchange(ref _refreshing, 0);
        }
    }
}
