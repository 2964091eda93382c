using Microsoft.AspNetCore.DataProtection;
using Workbench.Core.Notifications;

namespace Workbench.Web.Notifications;

/// <summary>A person as the sender needs him: his choices, his address, his browsers, and the channels that can reach him now.</summary>
public sealed record Person(UserRecord? User, PersonPreferences Preferences, string? Email, IReadOnlyList<PushSubscriptionRecord> Browsers,
    IReadOnlyList<string> Available);

/// <summary>The channels a message reached (none: try again later), and the last error met on the way.</summary>
public sealed record DeliveryOutcome(IReadOnlyList<string> Reached, string? Error);

/// <summary>
/// Sends one message to a person or a queue's channels and keeps each channel's health. For a person, each chosen
/// channel is tried; one that fails (or cannot reach him: no browser subscribed, no address) degrades to his next
/// channel that was not chosen, so a mail server down still lets the browser through and the other way round.
/// </summary>
public sealed class ChannelDelivery(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    TimeProvider time,
    EmailChannel email,
    ChatChannel chat,
    WebPushChannel push,
    SafeLinks links,
    ChannelUrls urls,
    ILogger<ChannelDelivery> logger)
{
    public async Task<Person> PersonAsync(string userName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == userName, ct);
        var record = await db.NotificationPreferences.AsNoTracking().FirstOrDefaultAsync(p => p.UserName == userName, ct);
        var preferences = record is null ? PersonPreferences.Defaults(userName) : PersonPreferences.From(record);
        var browsers = await db.PushSubscriptions.AsNoTracking().Where(s => s.UserName == userName).ToListAsync(ct);
        var address = preferences.Email is { Length: > 0 } chosen ? chosen : user?.Email;
        var available = NotificationChannels.Personal.Where(c => c switch
        {
            NotificationChannels.Email => address is not null && email.Configured,
            NotificationChannels.Browser => browsers.Count > 0 && push.Configured,
            _ => false,
        }).ToList();
        return new Person(user, preferences, address, browsers, available);
    }

    public async Task<DeliveryOutcome> ToPersonAsync(Person person, IReadOnlyList<string> chosen, NotificationMessage message, long notificationId, CancellationToken ct)
    {
        var link = await LinkAsync(person.Preferences.UserName, message, notificationId, ct);
        var reached = new List<string>();
        var tried = new HashSet<string>();
        string? error = null;
        foreach (var channel in chosen)
        {
            if (!tried.Add(channel))
            {
                continue;
            }
            var result = await SendAsync(person, channel, message, link, notificationId, ct);
            if (result.Ok)
            {
                reached.Add(channel);
                continue;
            }
            error = result.Error;
            // Degrade: the person's next channel he did not choose for this, that can reach him.
            foreach (var next in NotificationChannels.Personal.Where(c => !chosen.Contains(c) && !tried.Contains(c) && person.Available.Contains(c)))
            {
                tried.Add(next);
                var second = await SendAsync(person, next, message, link, notificationId, ct);
                if (second.Ok)
                {
                    reached.Add(next);
                    if (person.Available.Contains(channel))
                    {
                        await RecordAsync(channel, degraded: true, ct);
                    }
                    break;
                }
                error = second.Error;
            }
        }
        return new DeliveryOutcome(reached, error);
    }

    private async Task<ChannelResult> SendAsync(Person person, string channel, NotificationMessage message, string? link, long notificationId, CancellationToken ct)
    {
        if (!person.Available.Contains(channel))
        {
            return ChannelResult.Failed(channel == NotificationChannels.Browser
                ? "No browser of this person is subscribed to notifications (or Web Push is not configured)."
                : "This person has no e-mail address (or no SMTP server is configured).");
        }
        ChannelResult result;
        if (channel == NotificationChannels.Email)
        {
            result = await email.SendAsync(person.Email!, MessageRenderers.Email(message, link), $"notification-{notificationId}@workbench", ct);
        }
        else
        {
            result = await ToBrowsersAsync(person.Browsers, message, link, notificationId, ct);
        }
        await RecordAsync(channel, result, ct);
        return result;
    }

    private async Task<ChannelResult> ToBrowsersAsync(IReadOnlyList<PushSubscriptionRecord> browsers, NotificationMessage message, string? link, long notificationId,
        CancellationToken ct)
    {
        var payload = MessageRenderers.Push(message, link);
        var topic = NotificationSender.Topic($"{notificationId}");
        ChannelResult? any = null;
        foreach (var browser in browsers)
        {
            var result = await push.SendAsync(browser, payload, topic, ct);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (result.Gone)
            {
                // The browser unsubscribed or its subscription expired: the push service will never take it again.
                // Removed through SaveChanges, like every write (on SQLite the write gate orders them).
                if (await db.PushSubscriptions.FirstOrDefaultAsync(s => s.Id == browser.Id, ct) is { } gone)
                {
                    db.PushSubscriptions.Remove(gone);
                    await db.SaveChangesAsync(ct);
                }
            }
            else if (result.Ok)
            {
                var row = await db.PushSubscriptions.FirstOrDefaultAsync(s => s.Id == browser.Id, ct);
                if (row is not null)
                {
                    row.LastSuccessAt = time.GetUtcNow();
                    await db.SaveChangesAsync(ct);
                }
            }
            any = any is { Ok: true } ? any : result;
        }
        return any ?? ChannelResult.Failed("No browser subscribed.");
    }

    public async Task<DeliveryOutcome> ToQueueAsync(string queue, NotificationMessage message, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await db.QueueNotifications.AsNoTracking().FirstOrDefaultAsync(q => q.Queue == queue, ct);
        var link = links.Plain(message.Path);
        var reached = new List<string>();
        string? error = null;
        foreach (var (channel, protectedUrl) in new[] { (NotificationChannels.Slack, settings?.SlackUrlProtected), (NotificationChannels.Teams, settings?.TeamsUrlProtected) })
        {
            if (protectedUrl is null)
            {
                continue;
            }
            var payload = channel == NotificationChannels.Slack ? MessageRenderers.Slack(message, link) : MessageRenderers.Teams(message, link);
            var result = await chat.PostAsync(urls.Unprotect(protectedUrl), payload, ct);
            await RecordAsync(channel, result, ct);
            if (result.Ok)
            {
                reached.Add(channel);
            }
            else
            {
                error = result.Error;
            }
        }
        return new DeliveryOutcome(reached, error ?? (reached.Count == 0 ? "The queue has no Slack or Teams target." : null));
    }

    private async Task<string?> LinkAsync(string userName, NotificationMessage message, long notificationId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = links.Create(db, userName, message.Path, message.CaseId, notificationId);
        if (link is not null)
        {
            await db.SaveChangesAsync(ct);
        }
        return link;
    }

    private Task RecordAsync(string channel, ChannelResult result, CancellationToken ct) => RecordAsync(channel, result.Ok ? null : result.Error ?? "failed", false, ct);

    private Task RecordAsync(string channel, bool degraded, CancellationToken ct) => RecordAsync(channel, null, degraded, ct, onlyDegraded: true);

    /// <summary>The channel's health row: the last success, the failing stretch and its error, how many messages went elsewhere.</summary>
    private async Task RecordAsync(string channel, string? error, bool degraded, CancellationToken ct, bool onlyDegraded = false)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = time.GetUtcNow();
            var state = await db.NotificationChannels.FirstOrDefaultAsync(c => c.Channel == channel, ct);
            if (state is null)
            {
                state = new NotificationChannelStateRecord { Channel = channel };
                db.NotificationChannels.Add(state);
            }
            if (degraded)
            {
                state.Degraded++;
            }
            else if (!onlyDegraded && error is null)
            {
                state.LastSuccessAt = now;
                state.FailingSince = null;
            }
            else if (!onlyDegraded)
            {
                state.LastFailureAt = now;
                state.FailingSince ??= now;
                state.LastError = error is null ? null : Workbench.Core.Review.TextCut.Head(error, 500);
            }
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex)
        {
            // Two instances wrote the same channel's row at once: its health is a display, the next send writes it again.
            logger.LogDebug(ex, "Recording the health of {Channel} collided with another instance", channel);
        }
    }
}

/// <summary>Slack and Teams incoming-webhook URLs are secrets (whoever has one can post): stored with Data Protection.</summary>
public sealed class ChannelUrls(IDataProtectionProvider protection)
{
    private IDataProtector Protector => protection.CreateProtector("Workbench.Notifications.ChannelUrl.v1");

    public string Protect(string url) => Protector.Protect(url);

    public string Unprotect(string protectedUrl) => Protector.Unprotect(protectedUrl);

    /// <summary>What the admin page shows of a URL: its host and the start of its path, never the secret part.</summary>
    public static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.Host}{(u.IsDefaultPort ? "" : ":" + u.Port)}/…" : "…";
}
