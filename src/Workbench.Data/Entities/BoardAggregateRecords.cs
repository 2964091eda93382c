using Workbench.Contracts;

namespace Workbench.Data.Entities;

/// <summary>
/// The board's hourly pre-aggregate (SQLite only): per queue and UTC hour, the cases that arrived in it (by
/// <c>CreatedAt</c>) and the cases decided in it (by <c>DecidedAt</c>), with those of them that had an SLA and met it.
/// Maintained by triggers on <c>cases</c> in the transaction of every write (Board/BoardAggregateSql.cs).
/// </summary>
public sealed class BoardHourRecord
{
    public DateTimeOffset Hour { get; set; }
    public required string Queue { get; set; }
    public int Arrivals { get; set; }
    public int Completions { get; set; }
    /// <summary>Decided in this hour with an SLA due time.</summary>
    public int SlaDecided { get; set; }
    /// <summary>Decided in this hour at or before the SLA due time.</summary>
    public int SlaMet { get; set; }
}

/// <summary>The board's daily reason mix (SQLite only): arrivals per UTC day, queue and stored reason-code list.</summary>
public sealed class BoardReasonDayRecord
{
    public DateTimeOffset Day { get; set; }
    public required string Queue { get; set; }
    public required string ReasonCodes { get; set; }
    public int Arrivals { get; set; }
}

/// <summary>
/// The board's daily cost pre-aggregate (SQLite only): per UTC day of <c>DecidedAt</c>, path pair and reported model-cost
/// currency (<c>""</c> for none), the resolved cases (decided, auto-approved, expired), the sum of their model costs in
/// millionths (the validator allows six decimals: exact in a 64-bit integer) and the review actions on them.
/// Maintained by triggers on <c>cases</c> and <c>review_actions</c> (BoardAggregateSql.Sqlite.CostTriggers).
/// </summary>
public sealed class BoardCostDayRecord
{
    public DateTimeOffset Day { get; set; }
    public PathOutcome ReleaseOutcome { get; set; }
    public PathOutcome ExecuteOutcome { get; set; }
    public required string Currency { get; set; }
    public int Resolved { get; set; }
    public long ModelCostMicros { get; set; }
    public int ReviewActions { get; set; }
}
