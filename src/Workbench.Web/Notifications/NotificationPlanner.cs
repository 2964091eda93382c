using System.Threading.Channels;
using Workbench.Core.Notifications;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Notifications;

/// <summary>
/// Turns what happened into notifications. Its outbox is the audit chain: every change that can concern a person
/// (assigned, mentioned, SLA at risk or breached, the AI system's reply, an endpoint disabled) already writes its audit
/// event in the transaction of the change, so reading the chain after a cursor misses nothing that committed and
/// blocks no decision. The chain's sequence is gapless and given in commit order, so the cursor never skips an event.
/// What is about time rather than an event (a queue nobody works, the next step of an escalation, a blind second
/// review waiting, an endpoint failing, a broken audit verification) comes from <see cref="ScheduledChecks"/>.
/// <para>Each notification is one row per recipient with a unique key (kind, source, recipient), written in the same
/// transaction as the cursor's move; the cursor is a concurrency token, so two instances never plan one batch twice,
/// and the unique key keeps a notification single even if they did.</para>
/// </summary>
public sealed class NotificationPlanner(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<NotificationOptions> options,
    ScheduledChecks scheduled,
    NotificationSender sender,
    CaseEvents events,
    ILogger<NotificationPlanner> logger) : BackgroundService
{
    public const string AuditCursor = "audit";
    private const int Batch = 500;

    private static readonly string[] Types =
    [
        AuditEventTypes.CaseAssigned, AuditEventTypes.CaseMentioned, AuditEventTypes.CaseSlaAtRisk, AuditEventTypes.CaseSlaBreached,
        AuditEventTypes.CaseReplyReceived, AuditEventTypes.WebhookEndpointDisabled,
    ];

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }
        using var subscription = events.Subscribe(e =>
        {
            if (e.Kind is CaseEventKinds.Assigned or CaseEventKinds.Mentioned or CaseEventKinds.SlaAtRisk or CaseEventKinds.SlaBreached
                or CaseEventKinds.ReplyReceived or CaseEventKinds.Decided)
            {
                Wake();
            }
        });
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PlanAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Planning notifications failed; trying again shortly");
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(options.CurrentValue.Interval);
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

    /// <summary>One pass: new audit events, then the scheduled checks. Returns how many notifications were planned.</summary>
    public async Task<int> PlanAsync(CancellationToken ct = default)
    {
        var planned = 0;
        while (true)
        {
            var (count, more) = await FromAuditAsync(ct);
            planned += count;
            if (!more)
            {
                break;
            }
        }
        planned += await scheduled.RunAsync(ct);
        if (planned > 0)
        {
            sender.Wake();
        }
        return planned;
    }

    private async Task<(int Planned, bool More)> FromAuditAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var head = await db.AuditEvents.MaxAsync(e => (long?)e.Sequence, ct) ?? 0;
        var cursor = await db.NotificationCursors.FirstOrDefaultAsync(c => c.Name == AuditCursor, ct);
        if (cursor is null)
        {
            // A new installation, or one that had no notifications before: start from now, not from the whole history.
            db.NotificationCursors.Add(new NotificationCursorRecord { Name = AuditCursor, Position = head, UpdatedAt = now });
            await SaveQuietlyAsync(db, ct);
            return (0, false);
        }
        if (head <= cursor.Position)
        {
            return (0, false);
        }
        var to = Math.Min(head, cursor.Position + Batch);
        var from = cursor.Position;
        var found = await db.AuditEvents.AsNoTracking()
            .Where(e => e.Sequence > from && e.Sequence <= to && Types.Contains(e.Type))
            .OrderBy(e => e.Sequence)
            .Select(e => new AuditItem(e.Sequence, e.Type, e.CaseId, e.Actor, e.At, e.DataJson))
            .ToListAsync(ct);
        var rows = new List<NotificationRecord>();
        if (found.Count > 0)
        {
            var caseIds = found.Where(e => e.CaseId is not null).Select(e => e.CaseId!.Value).Distinct().ToList();
            var cases = await Recipients.CasesAsync(db, caseIds, ct);
            foreach (var e in found)
            {
                rows.AddRange(await PlanEventAsync(db, e, cases, now, ct));
            }
        }
        cursor.Position = to;
        cursor.UpdatedAt = now;
        var added = await NotificationRows.AddNewAsync(db, rows, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return (0, false); // another instance moved the cursor (or planned the same rows) first: the next pass goes on from there
        }
        return (added, to < head);
    }

    private sealed record AuditItem(long Sequence, string Type, Guid? CaseId, string Actor, DateTimeOffset At, string DataJson);

    private async Task<IReadOnlyList<NotificationRecord>> PlanEventAsync(WorkbenchDbContext db, AuditItem e, IReadOnlyDictionary<Guid, CaseBrief> cases,
        DateTimeOffset now, CancellationToken ct)
    {
        using var data = JsonDocument.Parse(e.DataJson);
        var root = data.RootElement;
        if (e.Type == AuditEventTypes.WebhookEndpointDisabled)
        {
            // An admin who disabled an endpoint knows; the dispatcher disabling one after days of failures is news.
            if (e.Actor != WebhookDispatcher.Actor)
            {
                return [];
            }
            var message = NotificationComposer.WebhookDisabled(Str(root, "clientId") ?? "?", Str(root, "url") ?? "?", Str(root, "reason") ?? "it kept failing");
            return NotificationRows.For(NotificationKinds.WebhookDisabled, $"seq{e.Sequence}", await Recipients.AdminsAsync(db, ct), message, now, options.CurrentValue);
        }
        if (e.CaseId is not { } caseId || !cases.TryGetValue(caseId, out var c))
        {
            return [];
        }
        var o = options.CurrentValue;
        switch (e.Type)
        {
            case AuditEventTypes.CaseAssigned when Str(root, "to") is { } to && to != e.Actor:
                return NotificationRows.For(NotificationKinds.Assigned, $"seq{e.Sequence}", [to],
                    NotificationComposer.ForCase(NotificationKinds.Assigned, c, now, e.Actor), now, o);
            case AuditEventTypes.CaseMentioned:
                var mentioned = root.TryGetProperty("mentioned", out var m) && m.ValueKind == JsonValueKind.Array
                    ? m.EnumerateArray().Select(x => x.GetString()).OfType<string>().Where(u => u != e.Actor).Distinct().ToList()
                    : [];
                var known = await db.Users.Where(u => mentioned.Contains(u.UserName)).Select(u => u.UserName).ToListAsync(ct);
                return NotificationRows.For(NotificationKinds.Mentioned, $"seq{e.Sequence}", known,
                    NotificationComposer.ForCase(NotificationKinds.Mentioned, c, now, e.Actor), now, o);
            case AuditEventTypes.CaseSlaAtRisk:
            {
                var queue = Str(root, "queue") ?? c.Queue;
                var message = NotificationComposer.ForCase(NotificationKinds.SlaAtRisk, c with { Queue = queue }, now);
                var people = await Recipients.LeadsAsync(db, queue, ct);
                return [.. NotificationRows.For(NotificationKinds.SlaAtRisk, $"case{caseId:N}", people, message, now, o),
                    .. await NotificationRows.ForQueueChannelAsync(db, NotificationKinds.SlaAtRisk, $"case{caseId:N}", queue, message, now, o, ct)];
            }
            case AuditEventTypes.CaseSlaBreached:
            {
                // The first of the escalation chain: the lead of the queue it breached in. The next ones, if nobody picks
                // the case up, come from the scheduled checks — with the same key per person, so nobody is told twice.
                // The case as it breached (queue, missed due time) comes from the event: an escalated case's row already
                // runs on the escalation queue's SLA.
                var breach = SlaBreachFacts.Parse(e.DataJson);
                var breached = breach.AsBreached(c);
                var queue = breached.Queue;
                var message = NotificationComposer.ForCase(NotificationKinds.SlaBreached, breached, now, extra: breach.Escalation());
                var people = await Recipients.LeadsAsync(db, queue, ct);
                return [.. NotificationRows.For(NotificationKinds.SlaBreached, $"case{caseId:N}", people, message, now, o),
                    .. await NotificationRows.ForQueueChannelAsync(db, NotificationKinds.SlaBreached, $"case{caseId:N}", queue, message, now, o, ct)];
            }
            case AuditEventTypes.CaseReplyReceived:
            {
                // The reviewer who asked: the actor of the latest request for information before the reply.
                var asker = await db.AuditEvents.AsNoTracking()
                    .Where(a => a.CaseId == caseId && a.Type == AuditEventTypes.CaseInfoRequested && a.Sequence < e.Sequence)
                    .OrderByDescending(a => a.Sequence).Select(a => a.Actor).FirstOrDefaultAsync(ct);
                return asker is null
                    ? []
                    : NotificationRows.For(NotificationKinds.ReplyReceived, $"seq{e.Sequence}", [asker],
                        NotificationComposer.ForCase(NotificationKinds.ReplyReceived, c, now), now, o);
            }
            default:
                return [];
        }
    }

    private static string? Str(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static async Task SaveQuietlyAsync(WorkbenchDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another instance created the cursor at the same moment.
        }
    }
}

/// <summary>Building notification rows, and adding only those whose key is new.</summary>
public static class NotificationRows
{
    public static IReadOnlyList<NotificationRecord> For(string kind, string source, IEnumerable<string> recipients, NotificationMessage message,
        DateTimeOffset now, NotificationOptions o, bool always = false) =>
        [.. recipients.Distinct(StringComparer.Ordinal).Select(r => New(kind, source, r, message, now, o, always))];

    public static async Task<IReadOnlyList<NotificationRecord>> ForQueueChannelAsync(WorkbenchDbContext db, string kind, string source, string? queue,
        NotificationMessage message, DateTimeOffset now, NotificationOptions o, CancellationToken ct) =>
        queue is not null && await db.QueueNotifications.AnyAsync(q => q.Queue == queue && (q.SlackUrlProtected != null || q.TeamsUrlProtected != null), ct)
            ? [New(kind, source, Recipients.QueueChannel(queue), message, now, o, false)]
            : [];

    public static NotificationRecord New(string kind, string source, string recipient, NotificationMessage message, DateTimeOffset now,
        NotificationOptions o, bool always) => new()
    {
        DedupKey = $"{kind}:{source}:{recipient}",
        Kind = kind,
        Recipient = recipient,
        CaseId = message.CaseId,
        Queue = message.Facts.FirstOrDefault(f => f.Label == "Queue")?.Value,
        MessageJson = message.ToJson(),
        Always = always,
        Status = NotificationStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
        RetryUntil = now + o.RetryFor,
    };

    /// <summary>Adds the rows whose key is not stored yet (nor twice in the list); returns how many.</summary>
    public static async Task<int> AddNewAsync(WorkbenchDbContext db, IReadOnlyList<NotificationRecord> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return 0;
        }
        var keys = rows.Select(r => r.DedupKey).Distinct().ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(200))
        {
            existing.UnionWith(await db.Notifications.Where(n => chunk.Contains(n.DedupKey)).Select(n => n.DedupKey).ToListAsync(ct));
        }
        var added = 0;
        foreach (var row in rows)
        {
            if (existing.Add(row.DedupKey))
            {
                db.Notifications.Add(row);
                added++;
            }
        }
        return added;
    }
}
