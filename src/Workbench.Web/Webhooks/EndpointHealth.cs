namespace Workbench.Web.Webhooks;

/// <summary>One attempt's outcome as an endpoint's health needs it.</summary>
public sealed record EndpointAttempt(Guid EndpointId, DateTimeOffset At, bool Delivered, string? Error);

/// <summary>
/// Keeps each endpoint's failing stretch: the first failed attempt since the last delivered one, cleared by a success.
/// An endpoint failing for <see cref="WebhookOptions.DisableAfter"/> is disabled by the dispatcher, with an audit event
/// (actor <see cref="WebhookDispatcher.Actor"/>) that tells the admins; its deliveries wait, they are not lost.
/// </summary>
public sealed class EndpointHealth(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<WebhookOptions> options,
    ILogger<EndpointHealth> logger)
{
    public async Task RecordAsync(IReadOnlyList<EndpointAttempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return;
        }
        var ids = attempts.Select(a => a.EndpointId).Distinct().ToList();
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var endpoints = await db.WebhookEndpoints.Where(e => ids.Contains(e.Id)).ToListAsync(CancellationToken.None);
            var now = time.GetUtcNow();
            var disableAfter = options.CurrentValue.DisableAfter;
            foreach (var endpoint in endpoints)
            {
                var mine = attempts.Where(a => a.EndpointId == endpoint.Id).OrderBy(a => a.At).ToList();
                foreach (var a in mine)
                {
                    endpoint.FailingSince = a.Delivered ? null : endpoint.FailingSince ?? a.At;
                }
                if (endpoint.Enabled && endpoint.FailingSince is { } since && now - since >= disableAfter)
                {
                    var reason = $"every delivery failed since {since.UtcDateTime:yyyy-MM-dd HH:mm} UTC" +
                                 (mine.LastOrDefault(a => !a.Delivered)?.Error is { } error ? $"; last error: {error}" : "") + ".";
                    endpoint.Enabled = false;
                    endpoint.DisabledAt = now;
                    endpoint.DisabledReason = reason.Length > 512 ? reason[..512] : reason;
                    endpoint.UpdatedAt = now;
                    Audit.AddAdministrative(db, AuditEventTypes.WebhookEndpointDisabled, WebhookDispatcher.Actor, "system", now,
                        new { endpoint.Id, endpoint.ClientId, endpoint.Url, Reason = endpoint.DisabledReason });
                    logger.LogWarning("Webhook endpoint {Endpoint} of {Client} disabled: {Reason}", endpoint.Id, endpoint.ClientId, reason);
                }
            }
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException ex)
        {
            // The deliveries' results are written; the stretch is read again from the next attempt's result.
            logger.LogWarning(ex, "Recording the health of webhook endpoints failed");
        }
    }
}
