using System.Diagnostics;
using Workbench.Core.Learning;
using Workbench.Core.Policy;
using Workbench.Web.Sla;

namespace Workbench.Web.Policies;

/// <summary>Simulation settings (<c>Learning:Simulation:*</c>).</summary>
public sealed record SimulationOptions
{
    /// <summary>Handle time of a queue with no review history (minutes).</summary>
    public double DefaultHandleMinutes { get; init; } = 6;
    /// <summary>
    /// What an hour of a reviewer costs (in the deployment's currency): set from <c>Board:ReviewerCostPerHour</c>
    /// (<see cref="BoardOptions.ReviewerCostFrom"/>); <c>Learning:Simulation:ReviewerCostPerHour</c> is its older name.
    /// </summary>
    public decimal ReviewerCostPerHour { get; set; } = BoardOptions.DefaultReviewerCostPerHour;
    /// <summary>Rows read and evaluated per page.</summary>
    public int PageSize { get; init; } = 2000;
    /// <summary>How far back the review history is read for handle times (days).</summary>
    public int HandleTimeHistoryDays { get; init; } = 30;
}

/// <summary>A simulation's result with what it was based on.</summary>
public sealed record SimulationRun(
    SimulationResult Result,
    string CurrentVersion,
    string DraftVersion,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyDictionary<string, TimeSpan> HandleTimes,
    TimeSpan DefaultHandleTime,
    decimal CostPerHour,
    int Unreadable,
    TimeSpan Elapsed);

/// <summary>
/// Replays the stored cases of a period through the policy in force and a draft. Reads only id, submission and arrival
/// time, without tracking, in pages; each page is deserialized and evaluated in parallel and folded in read order, so
/// memory stays flat whatever the period.
/// </summary>
public sealed class PolicySimulator(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy active,
    TimeProvider time,
    IOptions<SimulationOptions> options)
{
    public async Task<SimulationRun> RunAsync(CompiledPolicy draft, DateTimeOffset from, DateTimeOffset to, CancellationToken ct,
        CompiledPolicy? current = null)
    {
        ArgumentNullException.ThrowIfNull(draft);
        current ??= active.Policy;
        var watch = Stopwatch.StartNew();
        var o = options.Value;
        var handleTimes = await HandleTimesAsync(ct);
        var costs = new SimulationCosts(TimeSpan.FromMinutes(o.DefaultHandleMinutes), o.ReviewerCostPerHour, handleTimes);
        var accumulator = new SimulationAccumulator();
        var unreadable = 0;
        var pageSize = Math.Max(100, o.PageSize);
        var page = new List<(Guid Id, string Json, DateTimeOffset At, string ClientId)>(pageSize);

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // One streamed query read page by page: keyset paging would need ordering by a GUID, which not every
            // provider compares the same way, and OFFSET paging rereads the skipped rows on every page.
            var rows = db.Cases.AsNoTracking()
                // A case whose content retention purged cannot be replayed: its texts are gone.
                .Where(c => c.CreatedAt >= from && c.CreatedAt < to && c.PurgedAt == null)
                .Select(c => new { c.Id, c.SubmissionJson, c.CreatedAt, c.ClientId })
                .AsAsyncEnumerable();
            await foreach (var row in rows.WithCancellation(ct))
            {
                page.Add((row.Id, row.SubmissionJson, row.CreatedAt, row.ClientId));
                if (page.Count == pageSize)
                {
                    unreadable += Fold(current, draft, page, accumulator, ct);
                    page.Clear();
                }
            }
        }
        unreadable += Fold(current, draft, page, accumulator, ct);
        return new SimulationRun(accumulator.Result(costs), current.Version, draft.Version, from, to, handleTimes,
            costs.DefaultHandleTime, o.ReviewerCostPerHour, unreadable, watch.Elapsed);
    }

    private static int Fold(CompiledPolicy current, CompiledPolicy draft, List<(Guid Id, string Json, DateTimeOffset At, string ClientId)> page,
        SimulationAccumulator accumulator, CancellationToken ct)
    {
        if (page.Count == 0)
        {
            return 0;
        }
        var results = new SimulatedCase?[page.Count];
        Parallel.For(0, page.Count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var (id, json, at, clientId) = page[i];
            CaseSubmission? submission;
            try
            {
                submission = JsonSerializer.Deserialize<CaseSubmission>(json, WorkbenchJson.Options);
            }
            catch (JsonException)
            {
                submission = null; // stored before a contract change: counted, never fatal
            }
            results[i] = submission is null ? null : PolicySimulation.Evaluate(current, draft, new SimulationCase(id, submission, at, clientId));
        });
        var unreadable = 0;
        foreach (var r in results)
        {
            if (r is null)
            {
                unreadable++;
            }
            else
            {
                accumulator.Add(r);
            }
        }
        return unreadable;
    }

    /// <summary>
    /// Median time from claim to decision per queue over the recent review history (audit events). The median, not
    /// the mean: one claim left open over lunch must not double a queue's estimated hours.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, TimeSpan>> HandleTimesAsync(CancellationToken ct)
    {
        var since = time.GetUtcNow().AddDays(-Math.Max(1, options.Value.HandleTimeHistoryDays));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.At >= since && e.CaseId != null && (e.Type == AuditEventTypes.CaseClaimed || e.Type == AuditEventTypes.CaseDecided))
            .OrderByDescending(e => e.At)
            .Take(50_000)
            .Select(e => new { e.CaseId, e.Type, e.At, e.DataJson })
            .ToListAsync(ct);
        var durations = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var byCase in events.GroupBy(e => e.CaseId))
        {
            var ordered = byCase.OrderBy(e => e.At).ToList();
            var decided = ordered.FirstOrDefault(e => e.Type == AuditEventTypes.CaseDecided);
            var claim = decided is null ? null : ordered.LastOrDefault(e => e.Type == AuditEventTypes.CaseClaimed && e.At <= decided.At);
            if (claim is null || decided is null || QueueOf(claim.DataJson) is not { } queue)
            {
                continue;
            }
            (durations.TryGetValue(queue, out var list) ? list : durations[queue] = []).Add((decided.At - claim.At).TotalSeconds);
        }
        return durations.ToDictionary(d => d.Key, d => TimeSpan.FromSeconds(Median(d.Value)), StringComparer.Ordinal);
    }

    private static string? QueueOf(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("queue", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
