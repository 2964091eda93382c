namespace Workbench.Core.Cases;

/// <summary>
/// The type of every audit event the product writes: the audit log's vocabulary, one constant each, so that a writer
/// and a reader (the history tab, the reconstruction, the board) cannot spell one differently.
/// </summary>
public static class AuditEventTypes
{
    private const string ApiKeyPrefix = "api_key.";
    private const string AuditPrefix = "audit.";
    private const string CasePrefix = "case.";
    private const string EvalPrefix = "eval.";
    private const string LeadPrefix = "lead.";
    private const string PolicyPrefix = "policy.";
    private const string SpotCheckPrefix = "spot_check.";
    private const string UserPrefix = "user.";
    private const string WebhookPrefix = "webhook.";

    public const string ApiKeyCreated = ApiKeyPrefix + "created";
    public const string ApiKeyRevoked = ApiKeyPrefix + "revoked";

    public const string AuditLogExported = AuditPrefix + "log_exported";

    public const string CaseApprovalRecorded = CasePrefix + "approval_recorded";
    public const string CaseAssigned = CasePrefix + "assigned";
    public const string CaseAuditExported = CasePrefix + "audit_exported";
    public const string CaseClaimed = CasePrefix + "claimed";
    public const string CaseClassified = CasePrefix + "classified";
    public const string CaseContentPurged = CasePrefix + "content_purged";
    public const string CaseDecided = CasePrefix + "decided";
    /// <summary>
    /// The reviewer who decided took the decision back within its undo window, before it reached the AI system. Data:
    /// <c>{"decision": …, "decidedAt": …, "releaseAt": …}</c>; the case is in review again, claimed by him. When the AI
    /// system withdrew the case during the window, the actor is the client and <see cref="CaseWithdrawn"/> follows.
    /// </summary>
    public const string CaseDecisionUndone = CasePrefix + "decision_undone";
    public const string CaseDoubleReviewed = CasePrefix + "double_reviewed";
    public const string CaseExpired = CasePrefix + "expired";
    public const string CaseInfoRequested = CasePrefix + "info_requested";
    public const string CaseLeaseExpired = CasePrefix + "lease_expired";
    /// <summary>
    /// People were mentioned in a note on the case. Data: <c>{"mentioned": ["rita", …], "note": …}</c> (user names; the
    /// note's text is an audit text). Notifications tell each of them (but the writer).
    /// </summary>
    public const string CaseMentioned = CasePrefix + "mentioned";
    /// <summary>An internal note without mentions was written on the case. Data: <c>{"note": …}</c> (an audit text).</summary>
    public const string CaseNoteAdded = CasePrefix + "note_added";
    public const string CaseOutcomeReported = CasePrefix + "outcome_reported";
    public const string CaseReleased = CasePrefix + "released";
    public const string CaseReplyReceived = CasePrefix + "reply_received";
    public const string CaseRouted = CasePrefix + "routed";
    public const string CaseSlaAtRisk = CasePrefix + "sla_at_risk";
    public const string CaseSlaBreached = CasePrefix + "sla_breached";
    /// <summary>
    /// A breach escalated the case and the escalation queue's own SLA now runs. Data: the queue, the kind of work
    /// measured, <c>startedAt</c> (the breach) and the new <c>slaDueAt</c>; the missed due time is in the breach event.
    /// </summary>
    public const string CaseSlaRestarted = CasePrefix + "sla_restarted";
    public const string CaseSubmitted = CasePrefix + "submitted";
    public const string CaseWithdrawn = CasePrefix + "withdrawn";

    public const string EvalExported = EvalPrefix + "exported";

    public const string LeadAlert = LeadPrefix + "alert";

    public const string NotificationQueueChanged = "notification.queue_changed";

    public const string PolicyPublished = PolicyPrefix + "published";
    public const string PolicyRolledBack = PolicyPrefix + "rolled_back";

    public const string SpotCheckClaimed = SpotCheckPrefix + "claimed";
    public const string SpotCheckReleased = SpotCheckPrefix + "released";
    public const string SpotCheckReviewed = SpotCheckPrefix + "reviewed";

    public const string UserProvisioned = UserPrefix + "provisioned";
    public const string UserRolesChanged = UserPrefix + "roles_changed";

    public const string WebhookCallbackSecretRotated = WebhookPrefix + "callback_secret_rotated";
    public const string WebhookCallbackSettingsChanged = WebhookPrefix + "callback_settings_changed";
    public const string WebhookDeliveryReplayed = WebhookPrefix + "delivery_replayed";
    public const string WebhookEndpointCreated = WebhookPrefix + "endpoint_created";
    public const string WebhookEndpointDisabled = WebhookPrefix + "endpoint_disabled";
    public const string WebhookEndpointEnabled = WebhookPrefix + "endpoint_enabled";
    public const string WebhookEndpointRemoved = WebhookPrefix + "endpoint_removed";
    public const string WebhookSecretRotated = WebhookPrefix + "secret_rotated";
}
