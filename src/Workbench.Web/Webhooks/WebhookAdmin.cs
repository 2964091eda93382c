using Workbench.Client;

namespace Workbench.Web.Webhooks;

public sealed record EndpointView(Guid Id, string ClientId, string Url, string[] EventTypes, bool Enabled, bool Rotating,
    DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt);

/// <summary>An endpoint as just created or rotated: the only time its secret is shown.</summary>
public sealed record EndpointSecret(EndpointView Endpoint, string Secret);

public sealed record CallbackSettingsView(string ClientId, string[] Hosts, bool Rotating, DateTimeOffset? PreviousSecretExpiresAt);

public sealed record DeliveryView(long Id, string MessageId, string Type, string ClientId, Guid? CaseId, string Url, DeliveryStatus Status,
    int Attempts, int? LastStatusCode, int? LastLatencyMs, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

/// <summary>One attempt as the receiver answered it (the answer is the receiver's text: untrusted, at most 4 KiB).</summary>
public sealed record AttemptView(long Id, long DeliveryId, Guid? CaseId, DateTimeOffset At, int? StatusCode, int LatencyMs, string? Error, string? Answer);

/// <summary>An endpoint's latest attempts, newest first, with its failing stretch and why the dispatcher disabled it (if it did).</summary>
public sealed record EndpointAttemptsView(Guid EndpointId, string Url, bool Enabled, DateTimeOffset? FailingSince, string? DisabledReason,
    DateTimeOffset? DisabledAt, IReadOnlyList<AttemptView> Attempts);

public sealed record CreateEndpointRequest(string ClientId, string Url, string[]? EventTypes);

/// <summary>What the admin page and the admin API do to webhook endpoints, callback settings and deliveries.</summary>
public sealed class WebhookAdmin(
    IDbContextFactory<WorkbenchDbContext> dbFactory, WebhookSecrets secrets, TimeProvider time, IOptionsMonitor<WebhookOptions> options,
    WebhookDispatcher dispatcher)
{
    public static readonly string[] KnownEventTypes =
    [
        WebhookEventTypes.CaseDecided, WebhookEventTypes.CaseInfoRequested, WebhookEventTypes.CaseSlaBreached,
        WebhookEventTypes.CaseExpired, WebhookEventTypes.CaseWithdrawn,
    ];

    public async Task<IReadOnlyList<(string Id, string DisplayName)>> ClientsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.ApiClients.AsNoTracking().OrderBy(c => c.Id).Select(c => new { c.Id, c.DisplayName }).ToListAsync(ct))
            .Select(c => (c.Id, c.DisplayName)).ToList();
    }

    public async Task<IReadOnlyList<EndpointView>> EndpointsAsync(string? clientId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.WebhookEndpoints.AsNoTracking();
        if (clientId is not null)
        {
            query = query.Where(e => e.ClientId == clientId);
        }
        var now = time.GetUtcNow();
        return (await query.OrderBy(e => e.ClientId).ThenBy(e => e.CreatedAt).ToListAsync(ct)).Select(e => View(e, now)).ToList();
    }

    private static EndpointView View(WebhookEndpointRecord e, DateTimeOffset now)
    {
        var rotating = e.PreviousSecretProtected is not null && e.PreviousSecretExpiresAt > now;
        return new EndpointView(e.Id, e.ClientId, e.Url, e.EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries), e.Enabled,
            rotating, rotating ? e.PreviousSecretExpiresAt : null, e.CreatedAt);
    }

    public async Task<AdminResult<EndpointSecret>> CreateEndpointAsync(CreateEndpointRequest request, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (string.IsNullOrWhiteSpace(request.ClientId) || !await db.ApiClients.AnyAsync(c => c.Id == request.ClientId, ct))
        {
            errors["$.clientId"] = ["No API client has that id."];
        }
        if (!Uri.TryCreate(request.Url?.Trim(), UriKind.Absolute, out var uri) || request.Url!.Length > 2048)
        {
            errors["$.url"] = ["Must be an absolute https URL of at most 2048 characters."];
        }
        else if (TargetGuard.CheckUrl(uri, options.CurrentValue.AllowPrivateTargets) is { } problem)
        {
            errors["$.url"] = [problem];
        }
        var types = request.EventTypes is { Length: > 0 } t ? t.Select(x => x.Trim()).Distinct().ToArray() : ["*"];
        if (types.Any(x => x != "*" && !KnownEventTypes.Contains(x)))
        {
            errors["$.eventTypes"] = [$"Each must be * or one of {string.Join(", ", KnownEventTypes)}."];
        }
        if (errors.Count > 0)
        {
            return new AdminResult<EndpointSecret>.Invalid(errors);
        }
        var now = time.GetUtcNow();
        var secret = WebhookSecrets.NewSecret();
        var endpoint = new WebhookEndpointRecord
        {
            Id = Guid.CreateVersion7(now),
            ClientId = request.ClientId,
            Url = uri!.ToString(),
            EventTypes = types.Contains("*") ? " * " : $" {string.Join(' ', types)} ",
            Enabled = true,
            SecretProtected = secrets.Protect(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookEndpoints.Add(endpoint);
        Audit.Add(db, AuditEventTypes.WebhookEndpointCreated, actor, "admin", now, null, new { endpoint.Id, endpoint.ClientId, endpoint.Url, EventTypes = types });
        await db.SaveChangesAsync(ct);
        return new AdminResult<EndpointSecret>.Ok(new EndpointSecret(View(endpoint, now), secret));
    }

    /// <summary>A new secret; the previous one keeps signing (a second v1 signature) for the overlap, so receivers can switch over.</summary>
    public async Task<AdminResult<EndpointSecret>> RotateAsync(Guid id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null)
        {
            return new AdminResult<EndpointSecret>.NotFound();
        }
        var now = time.GetUtcNow();
        var secret = WebhookSecrets.NewSecret();
        endpoint.PreviousSecretProtected = endpoint.SecretProtected;
        endpoint.PreviousSecretExpiresAt = now + options.CurrentValue.RotationOverlap;
        endpoint.SecretProtected = secrets.Protect(secret);
        endpoint.UpdatedAt = now;
        Audit.Add(db, AuditEventTypes.WebhookSecretRotated, actor, "admin", now, null, new { endpoint.Id, endpoint.ClientId, OldSecretUntil = endpoint.PreviousSecretExpiresAt });
        await db.SaveChangesAsync(ct);
        return new AdminResult<EndpointSecret>.Ok(new EndpointSecret(View(endpoint, now), secret));
    }

    public async Task<AdminResult<EndpointView>> SetEnabledAsync(Guid id, bool enabled, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null)
        {
            return new AdminResult<EndpointView>.NotFound();
        }
        var now = time.GetUtcNow();
        endpoint.Enabled = enabled;
        endpoint.UpdatedAt = now;
        if (enabled)
        {
            // Enabled again by an admin: a new stretch starts with the next failure, so it is not disabled at once.
            endpoint.FailingSince = null;
            endpoint.DisabledAt = null;
            endpoint.DisabledReason = null;
        }
        Audit.Add(db, enabled ? AuditEventTypes.WebhookEndpointEnabled : AuditEventTypes.WebhookEndpointDisabled, actor, "admin", now, null, new { endpoint.Id, endpoint.ClientId });
        await db.SaveChangesAsync(ct);
        dispatcher.Wake();
        return new AdminResult<EndpointView>.Ok(View(endpoint, now));
    }

    /// <summary>
    /// Removes an endpoint. Its pending deliveries are dead-lettered ("endpoint removed") rather than left waiting for an
    /// endpoint that no longer exists; delivered and dead ones stay as the record of what was sent.
    /// </summary>
    public async Task<AdminResult<EndpointView>> RemoveAsync(Guid id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null)
        {
            return new AdminResult<EndpointView>.NotFound();
        }
        var now = time.GetUtcNow();
        var pending = await db.WebhookDeliveries.Where(d => d.EndpointId == id && d.Status == DeliveryStatus.Pending).ToListAsync(ct);
        foreach (var d in pending)
        {
            d.Status = DeliveryStatus.Dead;
            d.LeaseUntil = null;
            d.LeaseToken = null;
            d.LastError = "The endpoint was removed.";
        }
        db.WebhookEndpoints.Remove(endpoint);
        Audit.Add(db, AuditEventTypes.WebhookEndpointRemoved, actor, "admin", now, null,
            new { endpoint.Id, endpoint.ClientId, endpoint.Url, PendingDeliveriesDropped = pending.Count });
        await db.SaveChangesAsync(ct);
        return new AdminResult<EndpointView>.Ok(View(endpoint, now));
    }

    /// <summary>Sends a <c>webhook.test</c> event to this endpoint only (through the outbox, like any event).</summary>
    public async Task<AdminResult<DeliveryView>> SendTestAsync(Guid id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null)
        {
            return new AdminResult<DeliveryView>.NotFound();
        }
        var now = time.GetUtcNow();
        var evt = Outbox.Event(WebhookEventTypes.Test, endpoint.ClientId, null, null, now, new { Message = "A test event from the Workbench admin page.", EndpointId = endpoint.Id, SentBy = actor });
        evt.FannedOutAt = now; // for this endpoint only, not for every subscriber
        db.OutboxEvents.Add(evt);
        await db.SaveChangesAsync(ct);
        var delivery = WebhookDispatcher.NewDelivery(evt, endpoint.Id.ToString("N"), endpoint.Id, endpoint.Url, now, options.CurrentValue);
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(ct);
        dispatcher.Wake();
        return new AdminResult<DeliveryView>.Ok(View(delivery));
    }

    public async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(string? clientId, DeliveryStatus? status, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.WebhookDeliveries.AsNoTracking();
        if (clientId is not null)
        {
            query = query.Where(d => d.ClientId == clientId);
        }
        if (status is { } s)
        {
            query = query.Where(d => d.Status == s);
        }
        return (await query.OrderByDescending(d => d.Id).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct)).Select(View).ToList();
    }

    /// <summary>The latest <paramref name="perEndpoint"/> attempts of each of the client's endpoints (one indexed look-up per endpoint).</summary>
    public async Task<IReadOnlyList<EndpointAttemptsView>> RecentAttemptsAsync(string clientId, int perEndpoint = 10, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => e.ClientId == clientId)
            .OrderBy(e => e.CreatedAt).ToListAsync(ct);
        var take = Math.Clamp(perEndpoint, 1, 100);
        var views = new List<EndpointAttemptsView>(endpoints.Count);
        foreach (var e in endpoints)
        {
            var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.EndpointId == e.Id).OrderByDescending(a => a.Id).Take(take)
                .Select(a => new AttemptView(a.Id, a.DeliveryId, a.CaseId, a.At, a.StatusCode, a.LatencyMs, a.Error, a.ResponseBody))
                .ToListAsync(ct);
            views.Add(new EndpointAttemptsView(e.Id, e.Url, e.Enabled, e.FailingSince, e.DisabledReason, e.DisabledAt, attempts));
        }
        return views;
    }

    private static DeliveryView View(WebhookDeliveryRecord d) => new(d.Id, d.MessageId, d.Type, d.ClientId, d.CaseId, d.Url, d.Status, d.Attempts,
        d.LastStatusCode, d.LastLatencyMs, d.LastError, d.CreatedAt, d.LastAttemptAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt);

    /// <summary>Sends a failing or dead-lettered delivery again now, with its original webhook-id, and retries it afresh.</summary>
    public async Task<AdminResult<DeliveryView>> ReplayAsync(long id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var d = await db.WebhookDeliveries.FirstOrDefaultAsync(x => x.Id == id, ct);
        if (d is null)
        {
            return new AdminResult<DeliveryView>.NotFound();
        }
        if (d.Status == DeliveryStatus.Delivered || (d.Status == DeliveryStatus.Pending && d.Attempts == 0))
        {
            return new AdminResult<DeliveryView>.Invalid(new Dictionary<string, string[]>
            {
                ["$.id"] = [d.Status == DeliveryStatus.Delivered ? "This delivery succeeded; only failed or dead-lettered ones are replayed." : "This delivery has not been tried yet."],
            });
        }
        if (await db.OutboxEvents.AnyAsync(e => e.Id == d.EventId && e.PurgedAt != null, ct))
        {
            return new AdminResult<DeliveryView>.Invalid(new Dictionary<string, string[]>
            {
                ["$.id"] = ["The case's content was purged by retention: this event's texts are gone and it can no longer be sent."],
            });
        }
        var now = time.GetUtcNow();
        // Conditional on the body not being purged too (a purge between the check above and here): the dispatcher would
        // dead-letter it anyway, but the admin is told now.
        var rows = await db.WebhookDeliveries.Where(x => x.Id == id && x.Status != DeliveryStatus.Delivered && (x.LeaseUntil == null || x.LeaseUntil < now) &&
                                                         !db.OutboxEvents.Any(e => e.Id == x.EventId && e.PurgedAt != null))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, DeliveryStatus.Pending).SetProperty(x => x.NextAttemptAt, now)
                .SetProperty(x => x.RetryUntil, now + options.CurrentValue.RetryFor), ct);
        if (rows == 0)
        {
            var purged = await db.OutboxEvents.AnyAsync(e => e.Id == d.EventId && e.PurgedAt != null, ct);
            return new AdminResult<DeliveryView>.Invalid(new Dictionary<string, string[]>
            {
                ["$.id"] = [purged ? "The case's content was purged by retention: this event's texts are gone and it can no longer be sent." : "The delivery is being sent right now."],
            });
        }
        Audit.Add(db, AuditEventTypes.WebhookDeliveryReplayed, actor, "admin", now, d.CaseId, new { d.Id, d.MessageId, d.Url });
        await db.SaveChangesAsync(ct);
        dispatcher.Wake();
        var fresh = await db.WebhookDeliveries.AsNoTracking().FirstAsync(x => x.Id == id, ct);
        return new AdminResult<DeliveryView>.Ok(View(fresh));
    }

    public async Task<CallbackSettingsView?> CallbackSettingsAsync(string clientId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.WebhookClients.AsNoTracking().FirstOrDefaultAsync(x => x.ClientId == clientId, ct);
        return c is null ? null : View(c, time.GetUtcNow());
    }

    private static CallbackSettingsView View(WebhookClientRecord c, DateTimeOffset now)
    {
        var rotating = c.PreviousSecretProtected is not null && c.PreviousSecretExpiresAt > now;
        return new CallbackSettingsView(c.ClientId, c.CallbackHosts.Split(' ', StringSplitOptions.RemoveEmptyEntries), rotating,
            rotating ? c.PreviousSecretExpiresAt : null);
    }

    /// <summary>
    /// Sets the hosts a client's per-case callbackUrl may point at. The first time (or with <paramref name="rotateSecret"/>)
    /// a callback secret is made and returned: the only time it is shown.
    /// </summary>
    public async Task<AdminResult<(CallbackSettingsView Settings, string? Secret)>> SetCallbackHostsAsync(
        string clientId, IEnumerable<string> hosts, bool rotateSecret, string actor, CancellationToken ct = default)
    {
        var list = hosts.Select(h => h.Trim().ToLowerInvariant()).Where(h => h.Length > 0).Distinct().ToArray();
        var bad = list.Where(h => Uri.CheckHostName(h) == UriHostNameType.Unknown || h.Length > 253).ToArray();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.ApiClients.AnyAsync(c => c.Id == clientId, ct))
        {
            return new AdminResult<(CallbackSettingsView, string?)>.NotFound();
        }
        if (bad.Length > 0 || string.Join(' ', list).Length > 2000)
        {
            return new AdminResult<(CallbackSettingsView, string?)>.Invalid(new Dictionary<string, string[]>
            {
                ["$.hosts"] = [bad.Length > 0 ? $"Not a host name: {string.Join(", ", bad)}." : "Too many hosts."],
            });
        }
        var now = time.GetUtcNow();
        var c = await db.WebhookClients.FirstOrDefaultAsync(x => x.ClientId == clientId, ct);
        string? secret = null;
        if (c is null)
        {
            secret = WebhookSecrets.NewSecret();
            c = new WebhookClientRecord { ClientId = clientId, CallbackHosts = "", SecretProtected = secrets.Protect(secret) };
            db.WebhookClients.Add(c);
        }
        else if (rotateSecret)
        {
            secret = WebhookSecrets.NewSecret();
            c.PreviousSecretProtected = c.SecretProtected;
            c.PreviousSecretExpiresAt = now + options.CurrentValue.RotationOverlap;
            c.SecretProtected = secrets.Protect(secret);
        }
        c.CallbackHosts = string.Join(' ', list);
        c.UpdatedAt = now;
        Audit.Add(db, AuditEventTypes.WebhookCallbackSettingsChanged, actor, "admin", now, null, new { ClientId = clientId, Hosts = list, SecretRotated = secret is not null });
        if (rotateSecret && c.PreviousSecretProtected is not null && secret is not null)
        {
            // A secret rotation is its own administrative act (never the secret itself in the event).
            Audit.Add(db, AuditEventTypes.WebhookCallbackSecretRotated, actor, "admin", now, null, new { ClientId = clientId, OldSecretUntil = c.PreviousSecretExpiresAt });
        }
        await db.SaveChangesAsync(ct);
        return new AdminResult<(CallbackSettingsView, string?)>.Ok((View(c, now), secret));
    }

    /// <summary>Whether a submitted callbackUrl's host is on the client's allow-list; the refusal text otherwise.</summary>
    public async Task<string?> CheckCallbackHostAsync(string clientId, Uri uri, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hosts = await db.WebhookClients.AsNoTracking().Where(c => c.ClientId == clientId).Select(c => c.CallbackHosts).FirstOrDefaultAsync(ct);
        return hosts is not null && $" {hosts} ".Contains($" {uri.IdnHost.ToLowerInvariant()} ", StringComparison.Ordinal)
            ? null
            : $"The host {uri.IdnHost} is not on this client's callback allow-list (set by an admin).";
    }
}
