namespace Workbench.Web.Queues;

internal sealed class InterimQueueCatalog : IQueueCatalog
{
    public IReadOnlyList<QueueInfo> Queues { get; } =
    [
        new("support", "Support", "Customer support answers"),
        new("support-exceptions", "Support exceptions", "Refunds and exceptions"),
        new("finance", "Finance approvals", "High-value transactions"),
        new("policy-legal", "Policy & legal", "Conflicting policy and contract language"),
        new("security", "Security & infrastructure", "Infra changes and access"),
        new("brand", "Brand & language", "Outbound communication"),
        new("spot-check", "Spot check", "Sampled auto-approved cases"),
    ];
}
