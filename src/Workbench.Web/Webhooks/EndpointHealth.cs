using System.Data.Common;

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
        var due = new List<(Guid Id, string ClientId, string Url, string Reason)>();
        var now = time.GetUtcNow();
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var endpoints = await db.WebhookEndpoints.Where(e => ids.Contains(e.Id)).ToListAsync(CancellationToken.None);
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
                    due.Add((endpoint.Id, endpoint.ClientId, endpoint.Url, Workbench.Core.Review.TextCut.Head(reason, 512)));
                }
            }
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException ex)
        {
            // The deliveries' results are written; the stretch is read again from the next attempt's result.
            logger.LogWarning(ex, "Recording the health of webhook endpoints failed");
            return;
        }
        foreach (var (id, clientId, url, reason) in due)
        {
            await DisableAsync(id, clientId, url, reason, now);
        }
    }

    /// <summary>
    /// Disables a failing endpoint as a compare-and-set (<c>UPDATE … WHERE Id = … AND Enabled</c>): when two instances
    /// see the same endpoint past the threshold at once, one update matches and only that instance writes the
    /// <c>webhook.endpoint_disabled</c> event the admins are told from; the other writes nothing. Returns whether this
    /// call disabled it. On PostgreSQL and SQL Server the update and the event are one transaction. SQLite runs as one
    /// process whose saves take turns at a write gate: a transaction opened here would hold the file's write lock while
    /// waiting for that gate, behind a save that holds the gate and waits for the lock — so there the two are written one
    /// after the other (a crash between them leaves the endpoint disabled with its reason on the admin page, untold).
    /// </summary>
    public async Task<bool> DisableAsync(Guid id, string clientId, string url, string reason, DateTimeOffset now)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await using var tx = db.Database.IsSqlite() ? null : await db.Database.BeginTransactionAsync(CancellationToken.None);
            var won = await db.WebhookEndpoints.Where(e => e.Id == id && e.Enabled).ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Enabled, false)
                .SetProperty(e => e.DisabledAt, now)
                .SetProperty(e => e.DisabledReason, reason)
                .SetProperty(e => e.UpdatedAt, now), CancellationToken.None);
            if (won == 0)
            {
                return false; // another instance (or an admin) disabled it first: its event is the one that tells
            }
            Audit.AddAdministrative(db, AuditEventTypes.WebhookEndpointDisabled, WebhookDispatcher.Actor, "system", now,
                new { Id = id, ClientId = clientId, Url = url, Reason = reason });
            await db.SaveChangesAsync(CancellationToken.None);
            if (tx is not null)
            {
                await tx.CommitAsync(CancellationToken.None);
            }
            logger.LogWarning("Webhook endpoint {Endpoint} of {Client} disabled: {Reason}", id, clientId, reason);
            return true;
        }
        catch (DbException ex)
        {
            // Nothing was written (the transaction rolls back); the next failed attempt finds it past the threshold again.
            logger.LogWarning(ex, "Disabling webhook endpoint {Endpoint} failed", id);
            return false;
        }
        catch (DbUpdateException ex)
        {
            logger.LogWarning(ex, "Disabling webhook endpoint {Endpoint} failed", id);
            return false;
        }
    }
}
