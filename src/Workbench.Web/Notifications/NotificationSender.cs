using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Workbench.Core.Notifications;

namespace Workbench.Web.Notifications;

/// <summary>
/// Sends what the planner wrote, at least once: claims due notifications with a lease (a compare-and-set on a claim
/// token, as the webhook dispatcher does, so instances never send one twice while its lease holds), holds back what
/// falls in the person's quiet hours or belongs in his digest, sends on the person's channels and, when one fails,
/// on his next channel (browser → email → browser), retries with backoff until <c>RetryFor</c>, and records each
/// channel's health for the admin page. It runs beside everything else: no decision ever waits for it.
/// </summary>
public sealed class NotificationSender(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<NotificationOptions> options,
    ChannelDelivery delivery,
    ILogger<NotificationSender> logger) : BackgroundService
{
    private const int Batch = 50;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await SendDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Sending notifications failed; trying again shortly");
            }
            if (sent > 0)
            {
                continue;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One pass over the due notifications; returns how many it handled (sent, held back, retried or given up).</summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var token = Guid.NewGuid();
        var claimed = await ClaimAsync(token, now, ct);
        if (claimed.Count == 0)
        {
            return 0;
        }
        var results = new List<Result>();
        foreach (var group in claimed.GroupBy(n => n.Recipient, StringComparer.Ordinal))
        {
            results.AddRange(Recipients.QueueOf(group.Key) is { } queue
                ? await SendToQueueAsync(queue, [.. group], now, ct)
                : await SendToPersonAsync(group.Key, [.. group], now, ct));
        }
        await WriteResultsAsync(token, results, ct);
        return claimed.Count;
    }

    private async Task<List<NotificationRecord>> ClaimAsync(Guid token, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var due = await db.Notifications.AsNoTracking()
            .Where(n => n.Status == NotificationStatus.Pending && n.NextAttemptAt <= now && (n.LeaseUntil == null || n.LeaseUntil < now))
            .OrderBy(n => n.NextAttemptAt).ThenBy(n => n.Id).Take(Batch)
            .Select(n => new { n.Id, n.LeaseToken, n.Attempts }).ToListAsync(ct);
        if (due.Count == 0)
        {
            return [];
        }
        // UPDATE … SET LeaseToken = mine WHERE Id = … AND LeaseToken and Attempts are what they were: another instance that
        // claimed first makes this fail, and then each row is tried alone.
        if (!await TryClaimAsync(db, due.Select(d => (d.Id, d.LeaseToken, d.Attempts)), token, now, ct))
        {
            foreach (var d in due)
            {
                await using var one = await dbFactory.CreateDbContextAsync(ct);
                await TryClaimAsync(one, [(d.Id, d.LeaseToken, d.Attempts)], token, now, ct);
            }
        }
        return await db.Notifications.AsNoTracking().Where(n => n.LeaseToken == token).OrderBy(n => n.Id).ToListAsync(ct);
    }

    private static async Task<bool> TryClaimAsync(WorkbenchDbContext db, IEnumerable<(long Id, Guid? Token, int Attempts)> rows, Guid token, DateTimeOffset now, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        foreach (var (id, old, attempts) in rows)
        {
            var row = Stub(id, old, attempts);
            var entry = db.Notifications.Attach(row);
            row.LeaseToken = token;
            row.LeaseUntil = now + Lease;
            entry.Property(x => x.LeaseToken).IsModified = true;
            entry.Property(x => x.LeaseUntil).IsModified = true;
        }
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    private static NotificationRecord Stub(long id, Guid? token, int attempts) =>
        new() { Id = id, LeaseToken = token, Attempts = attempts, DedupKey = "", Kind = "", Recipient = "", MessageJson = "" };

    /// <summary>What became of one notification in this pass.</summary>
    private sealed record Result(NotificationRecord Row, NotificationStatus Status, DateTimeOffset NextAttemptAt, bool Attempted,
        string? Channels = null, string? Error = null, bool InDigest = false);

    private async Task<IEnumerable<Result>> SendToQueueAsync(string queue, List<NotificationRecord> rows, DateTimeOffset now, CancellationToken ct)
    {
        var results = new List<Result>();
        foreach (var row in rows)
        {
            var outcome = await delivery.ToQueueAsync(queue, NotificationMessage.FromJson(row.MessageJson), ct);
            results.Add(Outcome(row, outcome, now));
        }
        return results;
    }

    private async Task<IEnumerable<Result>> SendToPersonAsync(string userName, List<NotificationRecord> rows, DateTimeOffset now, CancellationToken ct)
    {
        var person = await delivery.PersonAsync(userName, ct);
        var results = new List<Result>();
        var digest = new List<NotificationRecord>();
        foreach (var row in rows)
        {
            var channels = row.Always ? person.Available : person.Preferences.ChannelsFor(row.Kind);
            if (channels.Count == 0 || person.User is null)
            {
                results.Add(new Result(row, NotificationStatus.Skipped, now, false, Error: person.User is null ? "No such person." : "Turned off by the person."));
                continue;
            }
            if (!row.Always && person.Preferences.Quiet is { } quiet && quiet.IsQuiet(now))
            {
                results.Add(new Result(row, NotificationStatus.Pending, quiet.NextAllowed(now), false));
                continue;
            }
            if (!row.Always && person.Preferences.Digest != DigestSchedule.Off)
            {
                var slot = DigestSchedule.Next(person.Preferences.Digest, person.Preferences.Zone, person.Preferences.DigestAtMinute, row.CreatedAt);
                if (slot > now)
                {
                    results.Add(new Result(row, NotificationStatus.Pending, slot, false));
                }
                else
                {
                    digest.Add(row);
                }
                continue;
            }
            var outcome = await delivery.ToPersonAsync(person, channels, NotificationMessage.FromJson(row.MessageJson), row.Id, ct);
            results.Add(Outcome(row, outcome, now));
        }
        if (digest.Count > 0)
        {
            var messages = digest.OrderByDescending(r => r.CreatedAt).Select(r => NotificationMessage.FromJson(r.MessageJson)).ToList();
            var channels = digest.SelectMany(r => person.Preferences.ChannelsFor(r.Kind)).Distinct().ToList();
            var outcome = await delivery.ToPersonAsync(person, channels, NotificationMessage.Digest(messages), digest[0].Id, ct);
            results.AddRange(digest.Select(r => Outcome(r, outcome, now) with { InDigest = outcome.Reached.Count > 0 }));
        }
        return results;
    }

    private Result Outcome(NotificationRecord row, DeliveryOutcome outcome, DateTimeOffset now)
    {
        if (outcome.Reached.Count > 0)
        {
            return new Result(row, NotificationStatus.Sent, now, true, string.Join(' ', outcome.Reached), outcome.Error);
        }
        var o = options.CurrentValue;
        return now >= row.RetryUntil
            ? new Result(row, NotificationStatus.Dead, now, true, Error: outcome.Error)
            : new Result(row, NotificationStatus.Pending, now + Backoff(row.Attempts + 1, o), true, Error: outcome.Error);
    }

    public static TimeSpan Backoff(int attempts, NotificationOptions o)
    {
        var exponent = Math.Min(Math.Max(attempts - 1, 0), 20);
        var delay = Math.Min(o.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), o.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    private async Task WriteResultsAsync(Guid token, List<Result> results, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        foreach (var r in results)
        {
            var row = Stub(r.Row.Id, token, r.Row.Attempts);
            var entry = db.Notifications.Attach(row);
            row.Status = r.Status;
            row.NextAttemptAt = r.NextAttemptAt;
            row.Attempts = r.Row.Attempts + (r.Attempted ? 1 : 0);
            row.SentChannels = r.Channels;
            row.SentAt = r.Status == NotificationStatus.Sent ? time.GetUtcNow() : null;
            row.InDigest = r.InDigest;
            row.LastError = r.Error is { } e ? Workbench.Core.Review.TextCut.Head(e, 500) : null;
            row.LeaseToken = null;
            row.LeaseUntil = null;
            foreach (var name in new[]
                     {
                         nameof(row.Status), nameof(row.NextAttemptAt), nameof(row.Attempts), nameof(row.SentChannels), nameof(row.SentAt),
                         nameof(row.InDigest), nameof(row.LastError), nameof(row.LeaseToken), nameof(row.LeaseUntil),
                     })
            {
                entry.Property(name).IsModified = true;
            }
        }
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("A notification's lease ran out while it was being sent; another instance owns it now");
        }
        _ = ct;
    }

    /// <summary>A stable, short id for a notification (push topics, mail Message-IDs): the same on every retry.</summary>
    public static string Topic(string seed) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..22].Replace('+', '-').Replace('/', '_');
}
