namespace Workbench.Web.Health;

/// <summary><c>Operations:*</c>: how the app behaves when a dependency is down or behind.</summary>
public sealed record OperationsOptions
{
    /// <summary>The <c>Retry-After</c> (seconds) of the 503 an API request gets while the database cannot be reached.</summary>
    public int DatabaseRetryAfterSeconds { get; init; } = 5;

    /// <summary>Readiness is degraded when more webhook deliveries than this are waiting (pending and due, or events not yet fanned out).</summary>
    public int OutboxBacklogThreshold { get; init; } = 10_000;

    /// <summary>Readiness is degraded when the oldest waiting event or due delivery has waited longer than this.</summary>
    public TimeSpan OutboxBacklogMaxAge { get; init; } = TimeSpan.FromMinutes(5);
}
