namespace Workbench.Contracts;

/// <summary>
/// The kind of a live case event (<c>caseUpdate</c> on the hub, and the in-process events pages and long-polls wake on):
/// what just happened to the case. Each names its audit event without the <c>case.</c> prefix, but for <see cref="Presence"/>,
/// which is not audited.
/// </summary>
public static class CaseEventKinds
{
    public const string Created = "created";
    public const string Claimed = "claimed";
    public const string Assigned = "assigned";
    public const string Released = "released";
    public const string Decided = "decided";
    /// <summary>The decision was taken back within its undo window; the case is in review again.</summary>
    public const string DecisionUndone = "decision_undone";
    public const string ApprovalRecorded = "approval_recorded";
    public const string InfoRequested = "info_requested";
    public const string Routed = "routed";
    public const string LeaseExpired = "lease_expired";
    public const string Mentioned = "mentioned";
    /// <summary>An internal note without mentions (audit <c>case.note_added</c>).</summary>
    public const string NoteAdded = "note_added";
    public const string ReplyReceived = "reply_received";
    public const string Withdrawn = "withdrawn";
    public const string SlaAtRisk = "sla_at_risk";
    public const string SlaBreached = "sla_breached";
    public const string Expired = "expired";
    public const string ContentPurged = "content_purged";
    public const string Presence = "presence";
}
