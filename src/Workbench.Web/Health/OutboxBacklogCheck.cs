using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Workbench.Web.Health;

/// <summary>
/// Readiness of the webhook outbox: the backlog is the events not yet fanned out to deliveries plus the deliveries
/// that are due (pending, next attempt in the past) — work the dispatcher has not caught up with. A delivery waiting
/// out its back-off after a receiver failed is not backlog: that is the receiver's trouble, shown on /admin.
/// Over <see cref="OperationsOptions.OutboxBacklogThreshold"/> items, or with the oldest waiting longer than
/// <see cref="OperationsOptions.OutboxBacklogMaxAge"/>, the check reports its registration's failure status
/// (Degraded: the instance still takes cases, so it stays in the load balancer; monitoring sees "degraded").
/// Two bounded reads on existing indexes ((fanned_out_at, id) and (status, next_attempt_at)): cheap per probe.
/// </summary>
public sealed class OutboxBacklogCheck(IDbContextFactory<WorkbenchDbContext> dbFactory, IOptionsMonitor<OperationsOptions> options, TimeProvider time)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        var limit = Math.Max(0, o.OutboxBacklogThreshold);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            // An event held back (a decision's undo window) is not waiting until it is due.
            var unfanned = db.OutboxEvents.AsNoTracking().Where(e => e.FannedOutAt == null && (e.NotBefore == null || e.NotBefore <= now));
            var due = db.WebhookDeliveries.AsNoTracking().Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now);
            // Counted up to one past the threshold: enough to decide, and bounded however large the backlog grows.
            var waiting = await unfanned.OrderBy(e => e.Id).Take(limit + 1).CountAsync(cancellationToken) +
                          await due.OrderBy(d => d.NextAttemptAt).Take(limit + 1).CountAsync(cancellationToken);
            var oldestEvent = await unfanned.OrderBy(e => e.Id).Select(e => (DateTimeOffset?)e.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            var oldestDelivery = await due.OrderBy(d => d.NextAttemptAt).Select(d => (DateTimeOffset?)d.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
            var oldest = new[] { oldestEvent, oldestDelivery }.Where(t => t is not null).Min();
            var age = oldest is { } t0 ? now - t0 : TimeSpan.Zero;
            var data = new Dictionary<string, object> { ["waiting"] = waiting, ["oldestSeconds"] = Math.Round(Math.Max(0, age.TotalSeconds)) };
            var over = limit > 0 && waiting > limit ? $"more than {limit} webhook events or deliveries are waiting"
                : age > o.OutboxBacklogMaxAge ? $"the oldest waiting webhook event or delivery is {age.TotalSeconds:0} s old (limit {o.OutboxBacklogMaxAge.TotalSeconds:0} s)"
                : null;
            return over is null
                ? HealthCheckResult.Healthy($"{waiting} waiting", data)
                : new HealthCheckResult(context.Registration.FailureStatus, $"Outbox backlog: {over}.", data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The outbox cannot be read.");
        }
    }
}
