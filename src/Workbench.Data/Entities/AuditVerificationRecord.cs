namespace Workbench.Data.Entities;

/// <summary>One run of the audit chain verification (scheduled or asked for), and what it found.</summary>
public sealed class AuditVerificationRecord
{
    public long Id { get; set; }
    /// <summary><c>scheduled</c>, or the user who asked.</summary>
    public required string RequestedBy { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public long DurationMs { get; set; }
    public bool Intact { get; set; }
    public long EventsChecked { get; set; }
    /// <summary>The last event of the chain as this run saw it: the next run checks it is still there.</summary>
    public long HeadSequence { get; set; }
    public required string HeadHash { get; set; }
    public long? BreakSequence { get; set; }
    public long? BreakEventId { get; set; }
    public string? BreakKind { get; set; }
    public string? Message { get; set; }
}
