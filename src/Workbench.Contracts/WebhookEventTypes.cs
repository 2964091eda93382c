namespace Workbench.Contracts;

/// <summary>The event types Workbench delivers by webhook (docs/webhooks.md).</summary>
public static class WebhookEventTypes
{
    /// <summary>A human (or four-eyes pair) decided the case.</summary>
    public const string CaseDecided = "case.decided";

    /// <summary>A reviewer asked the AI system for more information: answer with <c>ReplyAsync</c>.</summary>
    public const string CaseInfoRequested = "case.info_requested";

    /// <summary>The case passed its SLA due time without a decision.</summary>
    public const string CaseSlaBreached = "case.sla_breached";

    /// <summary>The case hit its hard timeout and got the workflow's default decision.</summary>
    public const string CaseExpired = "case.expired";

    /// <summary>The AI system withdrew the case: the acknowledgement, nothing more will come for it.</summary>
    public const string CaseWithdrawn = "case.withdrawn";

    /// <summary>A test event sent from the admin UI; carries no case.</summary>
    public const string Test = "webhook.test";
}
