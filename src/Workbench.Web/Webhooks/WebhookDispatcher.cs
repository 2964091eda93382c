// Over 400 lines on purpose: the claim, send and record steps share one lease protocol (claim token, ordering per case
// and target, back-off), and its correctness is read in one place.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Workbench.Client;
using Workbench.Web.Observability;

namespace Workbench.Web.Webhooks;

/// <summary>
/// Delivers the outbox. Each pass: write the results of finished sends, fan new outbox events out to one delivery
/// per target (the client's subscribed endpoints, and the case's callback URL when its host is allowed), then claim
/// due deliveries with a lease and send them concurrently.
/// <list type="bullet">
/// <item>Several instances may run it: a claim is one UPDATE … WHERE the lease is free, and an instance sends only the
/// rows that carry its claim token; results are written only while the token is still the row's. A crashed instance's
/// claims run out and another takes them (the receiver may then see a delivery twice, always with the same webhook-id).</item>
/// <item>Per case and target, events go out in order: a delivery waits while an earlier one of its case to the same target
/// is pending. A dead-lettered one no longer holds the others back.</item>
/// <item>A slow or dead receiver holds at most <see cref="WebhookOptions.MaxInFlightPerTarget"/> slots, and its failures
/// back off, so other receivers keep flowing.</item>
/// </list>
/// </summary>
public sealed class WebhookDispatcher(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    IHttpClientFactory httpFactory,
    WebhookSecrets secrets,
    TimeProvider time,
    IOptionsMonitor<WebhookOptions> options,
    CaseEvents events,
    WorkbenchMetrics metrics,
    EndpointHealth endpointHealth,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    /// <summary>The actor of what the dispatcher does on its own (disabling an endpoint that kept failing).</summary>
    public const string Actor = "webhook-dispatcher";
    private const int FanOutBatch = 500;

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _wakeFanOut = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<SendResult> _results = new();
    private readonly ConcurrentDictionary<long, string> _inFlight = new();
    private readonly ConcurrentDictionary<string, string> _unprotected = new(StringComparer.Ordinal);

    /// <summary>Asks the dispatcher to look for work now (after an outbox write or an admin replay).</summary>
    public void Wake()
    {
        _wake.Writer.TryWrite(true);
        _wakeFanOut.Writer.TryWrite(true);
    }

    public int InFlight => _inFlight.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.DispatcherEnabled)
        {
            return;
        }
        // Only changes that can have written an outbox event wake it. A new case never does (its 201 carries the
        // outcome), and waking on every "created" made each intake commit run this loop's queries, ~8 % of the app's CPU at load.
        using var subscription = events.Subscribe(e =>
        {
            if (e.Kind is not (CaseEventKinds.Created or CaseEventKinds.Presence))
            {
                Wake();
            }
        });
        await Task.Yield();
        // Fanning out runs beside sending, so a burst of new events never holds up deliveries already due.
        var fanOut = FanOutLoopAsync(stoppingToken);
        await SendLoopAsync(stoppingToken);
        await fanOut;
    }

    private async Task FanOutLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var fanned = 0;
            try
            {
                fanned = await FanOutAsync(stoppingToken);
                if (fanned > 0)
                {
                    _wake.Writer.TryWrite(true);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Fanning out webhook events failed; trying again shortly");
            }
            if (fanned == 0 && !await WaitAsync(_wakeFanOut, stoppingToken))
            {
                break;
            }
        }
    }

    /// <summary>Waits for a wake-up or the poll interval; false when stopping.</summary>
    private async Task<bool> WaitAsync(Channel<bool> channel, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(options.CurrentValue.PollInterval);
        try
        {
            await channel.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return true;
    }

    private async Task SendLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                var watch = Stopwatch.StartNew();
                var written = await WriteResultsAsync(stoppingToken);
                var t1 = watch.Elapsed.TotalMilliseconds;
                var started = await ClaimAndSendAsync(stoppingToken);
                busy = written + started > 0;
                if (busy && logger.IsEnabled(LogLevel.Debug))
                {
                    logger.LogDebug("Pass: {Written} results written in {T1:0} ms, {Started} sends started in {T2:0} ms",
                        written, t1, started, watch.Elapsed.TotalMilliseconds - t1);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Webhook dispatch pass failed; trying again shortly");
                busy = false;
            }
            if (!busy && _results.IsEmpty && !await WaitAsync(_wake, stoppingToken))
            {
                break;
            }
        }
    }

    /// <summary>Turns outbox events into deliveries, exactly once whoever does it (the event's mark and its deliveries commit together).</summary>
    internal async Task<int> FanOutAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        // A decision's event waits out its undo window (NotBefore); the poll interval picks it up once due.
        var pending = await db.OutboxEvents.AsNoTracking().Where(e => e.FannedOutAt == null && (e.NotBefore == null || e.NotBefore <= now))
            .OrderBy(e => e.Id).Take(FanOutBatch).ToListAsync(ct);
        if (pending.Count == 0)
        {
            return 0;
        }
        var clientIds = pending.Select(e => e.ClientId).Distinct().ToList();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => clientIds.Contains(e.ClientId)).ToListAsync(ct);
        var clients = await db.WebhookClients.AsNoTracking().Where(c => clientIds.Contains(c.ClientId)).ToDictionaryAsync(c => c.ClientId, ct);
        var o = options.CurrentValue;

        // Every write here is one SaveChanges (behind SQLite's write gate, like every writer: an UPDATE outside it would
        // collide with the gated writers and sleep out SQLITE_BUSY). FannedOutAt is a concurrency token, so the mark is
        // UPDATE … WHERE FannedOutAt IS NULL: if another instance fanned out any of this batch meanwhile, the whole
        // SaveChanges (marks and deliveries, one transaction) is refused, and the unique (event, target) index backs it up.
        foreach (var e in pending)
        {
            db.OutboxEvents.Attach(e);
            e.FannedOutAt = now;
            foreach (var endpoint in endpoints.Where(x => x.ClientId == e.ClientId && Subscribed(x, e.Type)))
            {
                db.WebhookDeliveries.Add(NewDelivery(e, endpoint.Id.ToString("N"), endpoint.Id, endpoint.Url, now, o));
            }
            if (e.CallbackUrl is { } callback && clients.TryGetValue(e.ClientId, out var client) && CallbackAllowed(callback, client, o))
            {
                db.WebhookDeliveries.Add(NewDelivery(e, "callback:" + callback, null, callback, now, o));
            }
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return 1; // another instance was quicker: the next pass sees what is left
        }
        return pending.Count;
    }

    internal static bool Subscribed(WebhookEndpointRecord endpoint, string type) =>
        endpoint.EventTypes.Contains(" * ", StringComparison.Ordinal) || endpoint.EventTypes.Contains($" {type} ", StringComparison.Ordinal);

    public static bool CallbackAllowed(string url, WebhookClientRecord client, WebhookOptions o) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && TargetGuard.CheckUrl(uri, o.AllowPrivateTargets) is null &&
        $" {client.CallbackHosts} ".Contains($" {uri.IdnHost.ToLowerInvariant()} ", StringComparison.Ordinal);

    internal static WebhookDeliveryRecord NewDelivery(OutboxEventRecord e, string targetKey, Guid? endpointId, string url, DateTimeOffset now, WebhookOptions o) => new()
    {
        EventId = e.Id,
        MessageId = e.MessageId,
        Type = e.Type,
        ClientId = e.ClientId,
        CaseId = e.CaseId,
        TargetKey = targetKey,
        EndpointId = endpointId,
        Url = url,
        Status = DeliveryStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
        RetryUntil = e.CreatedAt + o.RetryFor,
    };

    private async Task<int> ClaimAndSendAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var capacity = o.MaxInFlight - _inFlight.Count;
        if (capacity <= 0)
        {
            return 0;
        }
        var now = time.GetUtcNow();
        var perTarget = _inFlight.Values.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var saturated = perTarget.Where(kv => kv.Value >= o.MaxInFlightPerTarget).Select(kv => kv.Key).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseUntil == null || d.LeaseUntil < now) &&
                        !saturated.Contains(d.TargetKey) &&
                        (d.EndpointId == null || db.WebhookEndpoints.Any(x => x.Id == d.EndpointId && x.Enabled)) &&
                        !db.WebhookDeliveries.Any(p => p.CaseId != null && p.CaseId == d.CaseId && p.TargetKey == d.TargetKey &&
                                                       p.EventId < d.EventId && p.Status == DeliveryStatus.Pending))
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
            .Select(d => new { d.Id, d.TargetKey, d.LeaseToken, d.Attempts })
            .Take(capacity * 2)
            .ToListAsync(ct);
        var chosen = new List<(long Id, Guid? Token, int Attempts)>();
        foreach (var c in candidates)
        {
            if (chosen.Count >= capacity)
            {
                break;
            }
            var count = perTarget.GetValueOrDefault(c.TargetKey);
            if (count < o.MaxInFlightPerTarget)
            {
                perTarget[c.TargetKey] = count + 1;
                chosen.Add((c.Id, c.LeaseToken, c.Attempts));
            }
        }
        if (chosen.Count == 0)
        {
            return 0;
        }
        // The claim is a compare-and-set on the claim token (a concurrency token): UPDATE … SET LeaseToken = mine
        // WHERE Id = … AND LeaseToken and Attempts = what they were when read (so a row sent and released in between is not taken). Another instance that claimed a row first makes the batch
        // fail; then each row is tried alone and the ones taken are skipped.
        var token = Guid.NewGuid();
        var leaseUntil = now + o.Lease;
        if (!await ClaimAsync(db, chosen, token, leaseUntil, ct))
        {
            foreach (var one in chosen)
            {
                await using var single = await dbFactory.CreateDbContextAsync(ct);
                await ClaimAsync(single, [one], token, leaseUntil, ct);
            }
        }
        var mine = await (from d in db.WebhookDeliveries.AsNoTracking()
                          join e in db.OutboxEvents.AsNoTracking() on d.EventId equals e.Id
                          where d.LeaseToken == token
                          select new Claimed(d.Id, d.MessageId, d.Type, d.TargetKey, d.EndpointId, d.ClientId, d.Url, d.Attempts, d.RetryUntil, e.Body,
                              e.PurgedAt != null, d.CaseId))
            .ToListAsync(ct);
        var endpointIds = mine.Where(m => m.EndpointId is not null).Select(m => m.EndpointId!.Value).Distinct().ToList();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var clientIds = mine.Where(m => m.EndpointId is null).Select(m => m.ClientId).Distinct().ToList();
        var clients = await db.WebhookClients.AsNoTracking().Where(c => clientIds.Contains(c.ClientId)).ToDictionaryAsync(c => c.ClientId, ct);
        foreach (var m in mine)
        {
            if (m.Purged)
            {
                // Retention masked the body (a replay raced the purge): the texts are gone, and a masked body is not the
                // event the AI system was owed. Dead-lettered with the reason, never sent.
                _inFlight[m.Id] = m.TargetKey;
                _results.Enqueue(new SendResult(m.Id, token, m.Attempts + 1, m.RetryUntil, now, false, null, 0,
                    "Not sent: the case's content was purged by retention.", Dead: true, CaseId: m.CaseId));
                continue;
            }
            string[] signing;
            try
            {
                signing = m.EndpointId is { } eid
                    ? endpoints.TryGetValue(eid, out var endpoint) ? Secrets(endpoint.SecretProtected, endpoint.PreviousSecretProtected, endpoint.PreviousSecretExpiresAt, now) : []
                    : clients.TryGetValue(m.ClientId, out var client) ? Secrets(client.SecretProtected, client.PreviousSecretProtected, client.PreviousSecretExpiresAt, now) : [];
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                logger.LogError(ex, "The secret of {Target} cannot be read (Data Protection key ring?)", m.TargetKey);
                signing = [];
            }
            _inFlight[m.Id] = m.TargetKey;
            _ = SendAsync(m, token, signing, ct);
        }
        return mine.Count;
    }

    private static async Task<bool> ClaimAsync(WorkbenchDbContext db, List<(long Id, Guid? Token, int Attempts)> rows, Guid token, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        foreach (var (id, old, attempts) in rows)
        {
            var row = new WebhookDeliveryRecord { Id = id, LeaseToken = old, Attempts = attempts, MessageId = "", Type = "", ClientId = "", TargetKey = "", Url = "" };
            var entry = db.WebhookDeliveries.Attach(row);
            row.LeaseToken = token;
            row.LeaseUntil = leaseUntil;
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

    private string[] Secrets(string current, string? previous, DateTimeOffset? previousUntil, DateTimeOffset now) =>
        previous is not null && previousUntil > now ? [Unprotect(current), Unprotect(previous)] : [Unprotect(current)];

    private string Unprotect(string protectedSecret) => _unprotected.GetOrAdd(protectedSecret, secrets.Unprotect);

    private sealed record Claimed(long Id, string MessageId, string Type, string TargetKey, Guid? EndpointId, string ClientId, string Url, int Attempts,
        DateTimeOffset RetryUntil, string Body, bool Purged, Guid? CaseId);

    private sealed record SendResult(long Id, Guid Token, int Attempts, DateTimeOffset RetryUntil, DateTimeOffset At, bool Delivered,
        int? StatusCode, int LatencyMs, string? Error, bool Dead = false, Guid? EndpointId = null, Guid? CaseId = null, string? ResponseBody = null);

    /// <summary>How much of a receiver's answer is kept with each attempt (Stripe and Svix show about as much).</summary>
    public const int ResponseBodyBytes = 4096;

    private async Task SendAsync(Claimed m, Guid token, string[] signing, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var at = time.GetUtcNow();
        int? status = null;
        string? error = null;
        string? reason = null;
        string? body = null;
        try
        {
            if (signing.Length == 0)
            {
                error = "No secret to sign with (the endpoint or the client's callback settings were removed).";
            }
            else
            {
                using var request = Sign(m.Url, m.MessageId, at, m.Body, signing);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(options.CurrentValue.Timeout);
                using var response = await httpFactory.CreateClient(HttpClientName)
                    .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                status = (int)response.StatusCode;
                if (status is < 200 or > 299)
                {
                    error = $"HTTP {status}";
                }
                body = await ResponseStart.ReadAsync(response, ResponseBodyBytes, attempt.Token);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the delivery is sent again, with the same webhook-id.
            _inFlight.TryRemove(m.Id, out _);
            return;
        }
        catch (OperationCanceledException)
        {
            error = $"Timed out after {options.CurrentValue.Timeout.TotalSeconds:0.#} s";
            reason = "timeout";
        }
        catch (Exception ex)
        {
            error = ex.GetBaseException().Message;
            reason = "network";
        }
        var latency = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var delivered = status is >= 200 and <= 299;
        metrics.WebhookAttempted(m.Type, delivered, delivered ? null : reason ?? status?.ToString(CultureInfo.InvariantCulture) ?? "no_secret", status);
        _results.Enqueue(new SendResult(m.Id, token, m.Attempts + 1, m.RetryUntil, at, delivered, status, latency, error,
            EndpointId: m.EndpointId, CaseId: m.CaseId, ResponseBody: body));
        Wake();
    }

    /// <summary>A Standard Webhooks request: the same webhook-id on every attempt, this attempt's timestamp, one v1 signature per secret.</summary>
    public static HttpRequestMessage Sign(string url, string messageId, DateTimeOffset at, string body, IEnumerable<string> signingSecrets)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("webhook-id", messageId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", string.Join(' ', signingSecrets.Select(s => WebhookSigner.Sign(s, messageId, at, body))));
        return request;
    }

    private async Task<int> WriteResultsAsync(CancellationToken ct)
    {
        if (_results.IsEmpty)
        {
            return 0;
        }
        var batch = new List<SendResult>();
        while (batch.Count < 1000 && _results.TryDequeue(out var r))
        {
            batch.Add(r);
        }
        // Written even when stopping: a finished send whose result is lost would be sent again. One SaveChanges for the
        // batch (behind SQLite's write gate like every writer); the claim token is a concurrency token, so a result is
        // written only while the row is still this claim's. If one row was taken over meanwhile, the rest go one by one.
        IReadOnlyList<SendResult> written = [];
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            foreach (var r in batch)
            {
                Track(db, r);
            }
            await db.SaveChangesAsync(CancellationToken.None);
            written = batch;
        }
        catch (DbUpdateConcurrencyException)
        {
            var kept = new List<SendResult>();
            written = kept;
            foreach (var r in batch)
            {
                await using var one = await dbFactory.CreateDbContextAsync(CancellationToken.None);
                Track(one, r);
                try
                {
                    await one.SaveChangesAsync(CancellationToken.None);
                    kept.Add(r);
                }
                catch (DbUpdateConcurrencyException)
                {
                    logger.LogInformation("Delivery {Id} was claimed by another instance after its lease ran out; its result here is dropped", r.Id);
                }
            }
        }
        await endpointHealth.RecordAsync(written.Where(r => r.EndpointId is not null)
            .Select(r => new EndpointAttempt(r.EndpointId!.Value, r.At, r.Delivered, r.Error)).ToList());
        foreach (var r in batch)
        {
            _inFlight.TryRemove(r.Id, out _);
        }
        return batch.Count;
    }

    private void Track(WorkbenchDbContext db, SendResult r)
    {
        var o = options.CurrentValue;
        // Original values for the compare-and-set: this claim's token and the attempts counted when it was claimed.
        var row = new WebhookDeliveryRecord { Id = r.Id, LeaseToken = r.Token, Attempts = r.Attempts - 1, MessageId = "", Type = "", ClientId = "", TargetKey = "", Url = "" };
        var entry = db.WebhookDeliveries.Attach(row);
        var now = time.GetUtcNow();
        row.Status = r.Delivered ? DeliveryStatus.Delivered : r.Dead || now >= r.RetryUntil ? DeliveryStatus.Dead : DeliveryStatus.Pending;
        row.Attempts = r.Attempts;
        row.LastAttemptAt = r.At;
        row.LastStatusCode = r.StatusCode;
        row.LastLatencyMs = r.LatencyMs;
        row.LastError = r.Error is { } e ? Workbench.Core.Review.TextCut.Head(e, 500) : null;
        row.DeliveredAt = r.Delivered ? r.At : null;
        row.NextAttemptAt = r.Delivered ? r.At : now + Backoff(r.Attempts, o);
        row.LeaseUntil = null;
        row.LeaseToken = null;
        db.WebhookAttempts.Add(new WebhookAttemptRecord
        {
            DeliveryId = r.Id,
            EndpointId = r.EndpointId,
            CaseId = r.CaseId,
            At = r.At,
            StatusCode = r.StatusCode,
            LatencyMs = r.LatencyMs,
            ResponseBody = r.ResponseBody,
            Error = row.LastError,
        });
        foreach (var name in new[]
                 {
                     nameof(row.Status), nameof(row.Attempts), nameof(row.LastAttemptAt), nameof(row.LastStatusCode), nameof(row.LastLatencyMs),
                     nameof(row.LastError), nameof(row.DeliveredAt), nameof(row.NextAttemptAt), nameof(row.LeaseUntil), nameof(row.LeaseToken),
                 })
        {
            entry.Property(name).IsModified = true;
        }
    }

    /// <summary>Exponential: the first delay, doubled per attempt, capped, with ±20 % jitter so failed receivers are not hit in waves.</summary>
    public static TimeSpan Backoff(int attempts, WebhookOptions o)
    {
        var exponent = Math.Min(Math.Max(attempts - 1, 0), 30);
        var delay = Math.Min(o.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), o.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }
}
