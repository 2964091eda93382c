namespace Workbench.Core.Cases;

/// <summary>
/// The type of every audit event the product writes: the audit log's vocabulary, one constant each, so that a writer
/// and a reader (the history tab, the reconstruction, the board) cannot spell one differently.
/// </summary>
public static class AuditEventTypes
{
    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyRevoked = "api_key.revoked";

    public const string CaseApprovalRecorded = "case.approval_recorded";
    public const string CaseAssigned = "case.assigned";
    public const string CaseAuditExported = "case.audit_exported";
    public const string CaseClaimed = "case.claimed";
    public const string CaseClassified = "case.classified";
    public const string CaseContentPurged = "case.content_purged";
    public const string CaseDecided = "case.decided";
    public const string CaseDoubleReviewed = "case.double_reviewed";
    public const string CaseExpired = "case.expired";
    public const string CaseInfoRequested = "case.info_requested";
    public const string CaseLeaseExpired = "case.lease_expired";
    public const string CaseOutcomeReported = "case.outcome_reported";
    public const string CaseReleased = "case.released";
    public const string CaseReplyReceived = "case.reply_received";
    public const string CaseRouted = "case.routed";
    public const string CaseSlaAtRisk = "case.sla_at_risk";
    public const string CaseSlaBreached = "case.sla_breached";
    public const string CaseSubmitted = "case.submitted";
    public const string CaseWithdrawn = "case.withdrawn";

    public const string EvalExported = "eval.exported";

    public const string LeadAlert = "lead.alert";

    public const string PolicyPublished = "policy.published";
    public const string PolicyRolledBack = "policy.rolled_back";

    public const string UserProvisioned = "user.provisioned";
    public const string UserRolesChanged = "user.roles_changed";

    public const string WebhookCallbackSecretRotated = "webhook.callback_secret_rotated";
    public const string WebhookCallbackSettingsChanged = "webhook.callback_settings_changed";
    public const string WebhookDeliveryReplayed = "webhook.delivery_replayed";
    public const string WebhookEndpointCreated = "webhook.endpoint_created";
    public const string WebhookEndpointDisabled = "webhook.endpoint_disabled";
    public const string WebhookEndpointEnabled = "webhook.endpoint_enabled";
    public const string WebhookEndpointRemoved = "webhook.endpoint_removed";
    public const string WebhookSecretRotated = "webhook.secret_rotated";
}
