namespace Workbench.Core.Audit;

/// <summary>
/// What of an audit event its hash covers (<see cref="AuditCanonicalForm"/>), and the hash stored with it. The stored
/// row (Workbench.Data's <c>AuditEventRecord</c>) and an event read back from an export (<see cref="AuditEventContent"/>)
/// both are one, so the app and the standalone verifier hash with the same code.
/// </summary>
public interface IAuditEventContent
{
    long Sequence { get; }
    string PrevHash { get; }
    string Hash { get; }
    string Type { get; }
    Guid? CaseId { get; }
    string Actor { get; }
    string ActorRole { get; }
    DateTimeOffset At { get; }
    string? RequestId { get; }
    int? RiskTier { get; }
    string? PolicyVersion { get; }
    string? ModelVersion { get; }
    string? PromptVersion { get; }
    string? RetrievalIndexVersion { get; }
    string? ToolVersions { get; }
    string? EvidenceIds { get; }
    string? ReasonCodes { get; }
    string? ReviewerAction { get; }
    string? FinalDecision { get; }
    string DataJson { get; }
}

/// <summary>An audit event outside the database: read from an export line, or built by a test.</summary>
public sealed class AuditEventContent : IAuditEventContent
{
    public long Sequence { get; set; }
    public string PrevHash { get; set; } = "";
    public string Hash { get; set; } = "";
    public string Type { get; set; } = "";
    public Guid? CaseId { get; set; }
    public string Actor { get; set; } = "";
    public string ActorRole { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string? RequestId { get; set; }
    public int? RiskTier { get; set; }
    public string? PolicyVersion { get; set; }
    public string? ModelVersion { get; set; }
    public string? PromptVersion { get; set; }
    public string? RetrievalIndexVersion { get; set; }
    public string? ToolVersions { get; set; }
    public string? EvidenceIds { get; set; }
    public string? ReasonCodes { get; set; }
    public string? ReviewerAction { get; set; }
    public string? FinalDecision { get; set; }
    public string DataJson { get; set; } = "";
}
