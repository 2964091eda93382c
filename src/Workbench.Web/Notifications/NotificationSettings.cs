using Workbench.Core.Notifications;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Notifications;

/// <summary>The answer of a settings change: done, or each mistake by field (nothing stored).</summary>
public abstract record SettingsResult
{
    public sealed record Ok : SettingsResult;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : SettingsResult;
}

/// <summary>A queue's settings as the admin page shows them: the URLs only as their host.</summary>
public sealed record QueueSettingsView(string Queue, string Title, string? Lead, IReadOnlyList<string> EscalationChain, string? EscalationQueue,
    string? Slack, string? Teams);

/// <summary>A queue's settings as an admin sends them; a null URL keeps the stored one, an empty one removes it.</summary>
public sealed record QueueSettingsRequest(string? Lead, IReadOnlyList<string> EscalationChain, string? SlackUrl, string? TeamsUrl);

/// <summary>
/// A browser's push subscription as PushSubscription.toJSON() gives it. Browsers send <c>expirationTime</c> (null, or
/// when the push service ends the subscription, in ms since the epoch): accepted, not needed — a push service that
/// answers 404 or 410 removes the subscription anyway.
/// </summary>
public sealed record PushSubscriptionRequest(string Endpoint, PushSubscriptionKeys Keys, long? ExpirationTime = null);

/// <summary>The subscription's public key (P-256, base64url) and authentication secret.</summary>
public sealed record PushSubscriptionKeys(string P256dh, string Auth);

/// <summary>Reading and changing people's and queues' notification settings, the browsers subscribed, and the channels' health.</summary>
public sealed class NotificationSettings(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    TimeProvider time,
    ActivePolicy policy,
    ChannelUrls urls,
    IOptionsMonitor<NotificationOptions> options,
    ChannelDelivery delivery,
    ChatChannel chat)
{
    public async Task<PersonPreferences> PreferencesAsync(string userName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var record = await db.NotificationPreferences.AsNoTracking().FirstOrDefaultAsync(p => p.UserName == userName, ct);
        return record is null ? PersonPreferences.Defaults(userName) : PersonPreferences.From(record);
    }

    public async Task<SettingsResult> SavePreferencesAsync(PersonPreferences p, CancellationToken ct)
    {
        var errors = p.Validate();
        if (errors.Count > 0)
        {
            return new SettingsResult.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var record = await db.NotificationPreferences.FirstOrDefaultAsync(r => r.UserName == p.UserName, ct);
        if (record is null)
        {
            record = new NotificationPreferenceRecord { UserName = p.UserName, EventsJson = "{}", TimeZone = "UTC", Digest = DigestSchedule.Off };
            db.NotificationPreferences.Add(record);
        }
        record.Email = string.IsNullOrWhiteSpace(p.Email) ? null : p.Email.Trim();
        record.EventsJson = JsonSerializer.Serialize(p.Events, WorkbenchJson.Options);
        record.TimeZone = p.TimeZone;
        record.QuietFromMinute = p.QuietFromMinute;
        record.QuietToMinute = p.QuietToMinute;
        record.Digest = p.Digest;
        record.DigestAtMinute = p.DigestAtMinute;
        record.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return new SettingsResult.Ok();
    }

    public async Task<IReadOnlyList<QueueSettingsView>> QueuesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.QueueNotifications.AsNoTracking().ToDictionaryAsync(q => q.Queue, ct);
        return policy.Policy.Queues.Select(q =>
        {
            var s = stored.GetValueOrDefault(q.Name);
            return new QueueSettingsView(q.Name, q.Title, s?.Lead, [.. Recipients.Split(s?.EscalationChain)], q.EscalationTarget,
                s?.SlackUrlProtected is { } slack ? ChannelUrls.Shown(urls.Unprotect(slack)) : null,
                s?.TeamsUrlProtected is { } teams ? ChannelUrls.Shown(urls.Unprotect(teams)) : null);
        }).ToList();
    }

    public async Task<SettingsResult> SaveQueueAsync(string queue, QueueSettingsRequest request, string actor, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (policy.Policy.FindQueue(queue) is null)
        {
            errors["queue"] = [$"'{queue}' is not a queue of the policy in force."];
        }
        var people = await db.Users.AsNoTracking().Select(u => new { u.UserName, u.Role }).ToListAsync(ct);
        if (request.Lead is { Length: > 0 } lead && !people.Any(u => u.UserName == lead && u.Role is UserRole.Lead or UserRole.Admin))
        {
            errors["lead"] = [$"'{lead}' is not a lead (People lists each person's role)."];
        }
        var unknown = request.EscalationChain.Where(n => people.All(u => u.UserName != n)).ToList();
        if (unknown.Count > 0)
        {
            errors["escalationChain"] = [$"Nobody is called {string.Join(", ", unknown)}."];
        }
        CheckUrl(errors, "slackUrl", request.SlackUrl, "hooks.slack.com");
        CheckUrl(errors, "teamsUrl", request.TeamsUrl, null);
        if (errors.Count > 0)
        {
            return new SettingsResult.Invalid(errors);
        }
        var record = await db.QueueNotifications.FirstOrDefaultAsync(q => q.Queue == queue, ct);
        if (record is null)
        {
            record = new QueueNotificationRecord { Queue = queue, EscalationChain = "" };
            db.QueueNotifications.Add(record);
        }
        record.Lead = string.IsNullOrWhiteSpace(request.Lead) ? null : request.Lead;
        record.EscalationChain = string.Join(' ', request.EscalationChain.Distinct(StringComparer.Ordinal));
        if (request.SlackUrl is not null)
        {
            record.SlackUrlProtected = request.SlackUrl.Length == 0 ? null : urls.Protect(request.SlackUrl.Trim());
        }
        if (request.TeamsUrl is not null)
        {
            record.TeamsUrlProtected = request.TeamsUrl.Length == 0 ? null : urls.Protect(request.TeamsUrl.Trim());
        }
        record.UpdatedAt = time.GetUtcNow();
        Audit.AddAdministrative(db, AuditEventTypes.NotificationQueueChanged, actor, "admin", record.UpdatedAt, new
        {
            Queue = queue,
            record.Lead,
            EscalationChain = request.EscalationChain,
            // Only whether a target is set: the URL is a secret and stays out of the audit.
            Slack = record.SlackUrlProtected is not null,
            Teams = record.TeamsUrlProtected is not null,
        });
        await db.SaveChangesAsync(ct);
        return new SettingsResult.Ok();
    }

    private void CheckUrl(Dictionary<string, string[]> errors, string field, string? url, string? expectedHost)
    {
        if (string.IsNullOrEmpty(url))
        {
            return;
        }
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            errors[field] = ["Not an absolute URL."];
            return;
        }
        if (TargetGuard.CheckUrl(uri, options.CurrentValue.AllowPrivateTargets) is { } refused)
        {
            errors[field] = [refused];
            return;
        }
        if (expectedHost is not null && !options.CurrentValue.AllowPrivateTargets && !uri.Host.Equals(expectedHost, StringComparison.OrdinalIgnoreCase))
        {
            errors[field] = [$"A Slack incoming webhook is an https://{expectedHost}/services/… URL."];
        }
    }

    public async Task<SettingsResult> SubscribeAsync(string userName, PushSubscriptionRequest? request, string? userAgent, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null || !Uri.TryCreate(request.Endpoint, UriKind.Absolute, out var endpoint) || request.Endpoint.Length > 2048)
        {
            errors["endpoint"] = ["The push subscription needs its endpoint, an absolute URL of at most 2048 characters."];
        }
        else if (TargetGuard.CheckUrl(endpoint, options.CurrentValue.AllowPrivateTargets) is { } refused)
        {
            errors["endpoint"] = [refused];
        }
        if (request?.Keys is not { P256dh.Length: > 0 and <= 128, Auth.Length: > 0 and <= 64 } keys || !IsBase64Url(keys.P256dh) || !IsBase64Url(keys.Auth))
        {
            errors["keys"] = ["The subscription's keys p256dh and auth are base64url strings."];
        }
        if (errors.Count > 0)
        {
            return new SettingsResult.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var record = await db.PushSubscriptions.FirstOrDefaultAsync(s => s.Endpoint == request!.Endpoint, ct);
        if (record is null)
        {
            record = new PushSubscriptionRecord { Id = Guid.NewGuid(), UserName = userName, Endpoint = request!.Endpoint, P256dh = "", Auth = "" };
            db.PushSubscriptions.Add(record);
        }
        // A browser belongs to whoever subscribed it last (a shared machine, another person signed in).
        record.UserName = userName;
        record.P256dh = request!.Keys.P256dh;
        record.Auth = request.Keys.Auth;
        record.UserAgent = userAgent is { } ua ? Workbench.Core.Review.TextCut.Head(ua, 256) : null;
        record.CreatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return new SettingsResult.Ok();
    }

    public async Task<int> UnsubscribeAsync(string userName, string endpoint, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.PushSubscriptions.Where(s => s.UserName == userName && s.Endpoint == endpoint).ToListAsync(ct);
        db.PushSubscriptions.RemoveRange(rows);
        await db.SaveChangesAsync(ct);
        return rows.Count;
    }

    public async Task<int> BrowsersAsync(string userName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PushSubscriptions.CountAsync(s => s.UserName == userName, ct);
    }

    public async Task<IReadOnlyList<NotificationChannelStateRecord>> ChannelsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.NotificationChannels.AsNoTracking().ToDictionaryAsync(c => c.Channel, ct);
        return NotificationChannels.All.Select(c => stored.GetValueOrDefault(c) ?? new NotificationChannelStateRecord { Channel = c }).ToList();
    }

    public async Task<IReadOnlyList<NotificationRecord>> RecentAsync(int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Notifications.AsNoTracking().OrderByDescending(n => n.Id).Take(take).ToListAsync(ct);
    }

    /// <summary>Sends a test message now, outside the outbox: to the admin himself on email or browser, or to a queue's Slack/Teams.</summary>
    public async Task<DeliveryOutcome> SendTestAsync(string channel, string admin, string? queue, CancellationToken ct)
    {
        var message = NotificationComposer.Test(channel, admin);
        if (channel is NotificationChannels.Slack or NotificationChannels.Teams)
        {
            if (queue is null)
            {
                return new DeliveryOutcome([], "Choose the queue whose channel to test.");
            }
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var settings = await db.QueueNotifications.AsNoTracking().FirstOrDefaultAsync(q => q.Queue == queue, ct);
            var stored = channel == NotificationChannels.Slack ? settings?.SlackUrlProtected : settings?.TeamsUrlProtected;
            if (stored is null)
            {
                return new DeliveryOutcome([], $"{queue} has no {channel} target.");
            }
            var payload = channel == NotificationChannels.Slack ? MessageRenderers.Slack(message, null) : MessageRenderers.Teams(message, null);
            var result = await chat.PostAsync(urls.Unprotect(stored), payload, ct);
            return new DeliveryOutcome(result.Ok ? [channel] : [], result.Error);
        }
        var person = await delivery.PersonAsync(admin, ct);
        // Only the channel under test: no degrading to another one, which would hide the failure.
        var only = person with { Available = person.Available.Where(c => c == channel).ToList() };
        return await delivery.ToPersonAsync(only, [channel], message, 0, ct);
    }

    private static bool IsBase64Url(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '=');
}
