namespace Workbench.Contracts;

/// <summary>The event types Workbench delivers by webhook (docs/webhooks.md).</summary>
public static class WebhookEventTypes
{
    private const string CasePrefix = "case.";

    /// <summary>A human (or four-eyes pair) decided the case.</summary>
    public const string CaseDecided = CasePrefix + "decided";

    /// <summary>A reviewer asked the AI system for more information: answer with <c>ReplyAsync</c>.</summary>
    public const string CaseInfoRequested = CasePrefix + "info_requested";

    /// <summary>The case passed its SLA due time without a decision.</summary>
    public const string CaseSlaBreached = CasePrefix + "sla_breached";

    /// <summary>The case hit its hard timeout and got the workflow's default decision.</summary>
    public const string CaseExpired = CasePrefix + "expired";

    /// <summary>The AI system withdrew the case: the acknowledgement, nothing more will come for it.</summary>
    public const string CaseWithdrawn = CasePrefix + "withdrawn";

    /// <summary>A test event sent from the admin UI; carries no case.</summary>
    public const string Test = "webhook.test";
}
