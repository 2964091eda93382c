using Workbench.Core.Audit;

namespace Workbench.Web.Cases;

/// <summary>
/// The product's clock: the system's, in whole microseconds. PostgreSQL keeps a timestamp to the microsecond (SQL Server
/// and SQLite to 100 ns), so a time the product answers with before it reads it back from its store (a receipt's SLA due
/// time, a decision's time in its response or webhook) is the one every store gives back later, to the digit.
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public static MicrosecondClock Instance { get; } = new();

    /// <summary>Now, cut to the microsecond as the audit chain cuts an event's time before hashing it.</summary>
    public override DateTimeOffset GetUtcNow() => AuditCanonicalForm.Truncate(TimeProvider.System.GetUtcNow());
}
