using System.Linq.Expressions;

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

/// <summary>The queue cards as a server-rendered page showed them, and where the case events stood when they were read.</summary>
public sealed record QueueCardsShown(List<QueueSummary> Summaries, CaseEventMark ReadAt);

/// <summary>A queue's first page as a server-rendered page showed it (in the person's density), and where the case events stood when it was read.</summary>
public sealed record QueuePageShown(string Queue, string Order, List<QueueCaseRow> Rows, int Total, DateTimeOffset Now, QueueDensity Density, CaseEventMark ReadAt);

/// <summary>
/// One case in the queue grid. Two rows are equal when they are the same case: the grid keys each row's element by
/// its item, and a live refresh reads every row again (new arrays), so value equality would replace every row's
/// element on each refresh and a tick made on the old one would reach no handler; by id a row keeps its element, its
/// box and its handlers across refreshes, and a case arriving above moves it rather than redraws it.
/// </summary>
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
    string? ClaimedBy,
    string? AssignedTo)
{
    public bool Equals(QueueCaseRow? other) => other is not null && other.Id == Id;

    public override int GetHashCode() => Id.GetHashCode();
}

public enum ClaimFilter
{
    All,
    Claimed,
    Unclaimed,
}

/// <summary>What the queue grid's toolbar narrows the open cases of one queue to; null means "any".</summary>
public sealed record QueueFilter
{
    public string? ReasonCode { get; init; }
    public int? Tier { get; init; }
    public string? Workflow { get; init; }
    public ClaimFilter Claim { get; init; } = ClaimFilter.All;
    /// <summary>Matched, case-insensitively, anywhere in the request preview or the external id.</summary>
    public string? Text { get; init; }

    public static QueueFilter None { get; } = new();
}

/// <summary>The keys the queue grid sorts by. Every one ends with the case id, so paging is stable.</summary>
public enum QueueSort
{
    SlaDue,
    Priority,
    Age,
    Tier,
}

/// <summary>The reads behind the queues pages: counts per queue and the open cases of one queue.</summary>
public sealed class QueueQueries(IDbContextFactory<WorkbenchDbContext> dbFactory, IQueueCatalog catalog, TimeProvider time)
{
    /// <summary>A case is "due soon" when its SLA ends within this window.</summary>
    public static readonly TimeSpan DueSoonWindow = TimeSpan.FromHours(1);

    /// <summary>The comment the queue cards' query carries in the SQL (and the command log), to tell it from others.</summary>
    public const string SummariesTag = "queue summaries";

    /// <summary>The comment a queue page's read carries in the SQL, on its count of the open cases (one a read).</summary>
    public const string PageTag = "queue page";

    public async Task<IReadOnlyList<QueueSummary>> SummariesAsync(IReadOnlySet<string>? visibleQueues, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var soon = now + DueSoonWindow;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stats = await db.Cases.AsNoTracking()
            .TagWith(SummariesTag)
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

    /// <summary>
    /// One page of the open cases (queued or in review) of a queue, and how many there are in all. Filtering,
    /// ordering, paging and the count all run in the database: a queue of 30,000 cases is never loaded.
    /// </summary>
    public async Task<(IReadOnlyList<QueueCaseRow> Rows, int Total)> PageAsync(
        string queue, QueueFilter filter, int page, int pageSize, QueueSort sort, bool descending, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var open = Filtered(db.Cases.AsNoTracking().Where(c => c.Queue == queue &&
            (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview)), filter);

        var total = await open.TagWith(PageTag).CountAsync(ct);
        if (total <= page * pageSize)
        {
            return ([], total);
        }
        return (await RowsOfAsync(Ordered(open, sort, descending).Skip(page * pageSize).Take(pageSize), ct), total);
    }

    /// <summary>
    /// The rows of these cases as they are now, for those still open (queued or in review) in the queue, in no
    /// particular order: what a grid holding its rows still redraws them with.
    /// </summary>
    public async Task<IReadOnlyList<QueueCaseRow>> RowsAsync(string queue, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await RowsOfAsync(db.Cases.AsNoTracking().Where(c => c.Queue == queue &&
            (c.Status == CaseStatus.Queued || c.Status == CaseStatus.InReview) && ids.Contains(c.Id)), ct);
    }

    private static async Task<List<QueueCaseRow>> RowsOfAsync(IQueryable<CaseRecord> cases, CancellationToken ct)
    {
        var rows = await cases
            .Select(c => new { c.Id, c.ExternalId, c.Workflow, c.RiskTier, c.Status, c.Priority, c.ReasonCodes, c.RequestPreview, c.SlaDueAt, c.CreatedAt, c.ClaimedBy, c.AssignedTo })
            .ToListAsync(ct);
        return rows.Select(c => new QueueCaseRow(c.Id, c.ExternalId, c.Workflow, c.RiskTier, c.Status, c.Priority,
            c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries), c.RequestPreview, c.SlaDueAt, c.CreatedAt,
            c.ClaimedBy, c.AssignedTo)).ToList();
    }

    private static IQueryable<CaseRecord> Filtered(IQueryable<CaseRecord> cases, QueueFilter filter)
    {
        if (!string.IsNullOrWhiteSpace(filter.ReasonCode))
        {
            // ReasonCodes is " A B C ": a code padded with spaces matches whole codes only (instr, no LIKE wildcards).
            var padded = $" {filter.ReasonCode.Trim()} ";
            cases = cases.Where(c => c.ReasonCodes.Contains(padded));
        }
        if (filter.Tier is { } tier)
        {
            cases = cases.Where(c => c.RiskTier == tier);
        }
        if (!string.IsNullOrWhiteSpace(filter.Workflow))
        {
            cases = cases.Where(c => c.Workflow == filter.Workflow);
        }
        cases = filter.Claim switch
        {
            ClaimFilter.Claimed => cases.Where(c => c.ClaimedBy != null),
            ClaimFilter.Unclaimed => cases.Where(c => c.ClaimedBy == null),
            _ => cases,
        };
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            // lower() on both sides: case-insensitive on every provider (PostgreSQL's LIKE is not).
            var text = filter.Text.Trim().ToLowerInvariant();
            cases = cases.Where(c => c.RequestPreview.ToLower().Contains(text) || c.ExternalId.ToLower().Contains(text));
        }
        return cases;
    }

    /// <summary>
    /// Each sort has a natural direction (SLA: soonest first; priority and tier: highest first; age: oldest first),
    /// ties broken by SLA due and then id; the other direction is exactly that list reversed. Each order matches one
    /// index term for term (EntityConfigurations), so SQLite reads the first page in index order and stops after it;
    /// a tie-breaker running against the index would make it sort the whole queue instead.
    /// </summary>
    private static IOrderedQueryable<CaseRecord> Ordered(IQueryable<CaseRecord> cases, QueueSort sort, bool descending)
    {
        var reverse = sort switch
        {
            QueueSort.Priority or QueueSort.Tier => !descending,
            QueueSort.Age => !descending, // descending age = oldest first = CreatedAt ascending
            _ => descending,
        };
        return sort switch
        {
            QueueSort.Priority => Then(Then(First(cases, c => c.Priority, !reverse), c => c.SlaDueAt, reverse), c => c.Id, reverse),
            QueueSort.Tier => Then(Then(First(cases, c => c.RiskTier, !reverse), c => c.SlaDueAt, reverse), c => c.Id, reverse),
            QueueSort.Age => Then(First(cases, c => c.CreatedAt, reverse), c => c.Id, reverse),
            _ => Then(First(cases, c => c.SlaDueAt, reverse), c => c.Id, reverse),
        };
    }

    private static IOrderedQueryable<CaseRecord> First<TKey>(IQueryable<CaseRecord> cases, Expression<Func<CaseRecord, TKey>> key, bool descending) =>
        descending ? cases.OrderByDescending(key) : cases.OrderBy(key);

    private static IOrderedQueryable<CaseRecord> Then<TKey>(IOrderedQueryable<CaseRecord> cases, Expression<Func<CaseRecord, TKey>> key, bool descending) =>
        descending ? cases.ThenByDescending(key) : cases.ThenBy(key);
}
