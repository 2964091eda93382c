using System.Security.Cryptography;
using System.Text;

namespace Workbench.Web.Retention;

/// <summary>Retention of case content (<c>Retention:*</c>): days after a case closed, per workflow, with a default.</summary>
public sealed class RetentionOptions
{
    /// <summary>Days a closed case keeps its content when its workflow has no entry; null keeps it forever.</summary>
    public int? DefaultDays { get; set; }
    /// <summary><c>Retention:Workflows:{workflow}:Days</c>.</summary>
    public Dictionary<string, WorkflowRetention> Workflows { get; set; } = new(StringComparer.Ordinal);
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Most cases purged per sweep, so one sweep stays short.</summary>
    public int BatchSize { get; set; } = 500;
    public bool Enabled { get; set; } = true;
    /// <summary>
    /// Days a webhook attempt (status, latency, the first 4 KiB of the receiver's answer, the error) is kept, whatever
    /// its case; null keeps them until their case's content is purged. The admin page shows the latest.
    /// </summary>
    public int? WebhookAttemptDays { get; set; } = 30;

    public sealed class WorkflowRetention
    {
        public int? Days { get; set; }
    }

    /// <summary>The retention of a workflow in days, or null (kept forever).</summary>
    public int? DaysFor(string workflow) =>
        Workflows.TryGetValue(workflow, out var w) && w.Days is { } d ? d : DefaultDays;

    public IEnumerable<string> Validate()
    {
        if (DefaultDays is < 0)
        {
            yield return "Retention:DefaultDays must be 0 or more days.";
        }
        foreach (var (name, w) in Workflows)
        {
            if (w.Days is < 0)
            {
                yield return $"Retention:Workflows:{name}:Days must be 0 or more days.";
            }
        }
        if (WebhookAttemptDays is < 1)
        {
            yield return "Retention:WebhookAttemptDays must be 1 or more days (leave it out to keep attempts until their case is purged).";
        }
        if (BatchSize <= 0)
        {
            yield return "Retention:BatchSize must be more than 0.";
        }
        if (Interval <= TimeSpan.Zero)
        {
            yield return "Retention:Interval must be more than zero.";
        }
    }
}

/// <summary>
/// What one sweep did: cases purged, cases left (changed meanwhile), webhook events of cases purged earlier masked now,
/// and webhook attempts deleted for their age.
/// </summary>
public sealed record RetentionSweepResult(int Purged, int Skipped, int OutboxMasked = 0, int AttemptsDeleted = 0);

/// <summary>
/// Masks the content of closed cases past their workflow's retention (Workbench.Core ContentPurge), keeping ids,
/// status, timestamps, reason codes and versions, and records the SHA-256 of what it removed on the case and in one
/// <c>case.content_purged</c> audit event per case. Besides the case: its reviewers' notes, questions and edits, its
/// outcome notes, its blind second review's note and edit, the texts of the policy trace (request text, requester id)
/// and the clarifying question, its expired idempotency receipts, the free texts its audit events refer to
/// (<c>audit_texts</c>: Text and salt go, the digest stays in the chain, so the chain verifies as before — audit events
/// themselves are append-only and never touched), and the bodies of its webhook events once none of their deliveries
/// is pending (a pending one is still owed to the AI system: it is masked by a later sweep, after it was delivered or
/// dead-lettered). Safe with several instances: each purge is one SaveChanges conditional on the case's Revision (its
/// concurrency token), so when two instances pick the same case one update matches and the other writes nothing. Only
/// events already fanned out are masked; a delivery made pending again after the purge looked (a replay racing it) is
/// dead-lettered unsent by the dispatcher, never sent with a masked body.
/// </summary>
public sealed class RetentionPurge(
    IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, IOptionsMonitor<RetentionOptions> options, CaseEvents events,
    ILogger<RetentionPurge> logger)
{
    public const string Actor = "retention";
    private volatile bool _walOwed; // the last checkpoint after a purge could not finish: the next sweep tries again
    private static readonly CaseStatus[] Closed = [.. Enum.GetValues<CaseStatus>().Where(CaseStateMachine.IsTerminal)];

    public async Task<RetentionSweepResult> SweepAsync(CancellationToken ct = default)
    {
        var o = options.CurrentValue;
        var now = time.GetUtcNow();
        var batch = o.BatchSize;
        var configured = o.Workflows.Where(w => w.Value.Days is not null).Select(w => w.Key).ToList();
        var candidates = new List<(Guid Id, int Days)>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            foreach (var name in configured)
            {
                var days = o.Workflows[name].Days!.Value;
                var cutoff = now.AddDays(-days);
                candidates.AddRange((await db.Cases.AsNoTracking()
                        .Where(c => c.Workflow == name && c.PurgedAt == null && Closed.Contains(c.Status) && c.UpdatedAt <= cutoff)
                        .OrderBy(c => c.UpdatedAt).Select(c => c.Id).Take(batch - candidates.Count).ToListAsync(ct))
                    .Select(id => (id, days)));
                if (candidates.Count >= batch)
                {
                    break;
                }
            }
            if (o.DefaultDays is { } defaultDays && candidates.Count < batch)
            {
                var cutoff = now.AddDays(-defaultDays);
                candidates.AddRange((await db.Cases.AsNoTracking()
                        .Where(c => !configured.Contains(c.Workflow) && c.PurgedAt == null && Closed.Contains(c.Status) && c.UpdatedAt <= cutoff)
                        .OrderBy(c => c.UpdatedAt).Select(c => c.Id).Take(batch - candidates.Count).ToListAsync(ct))
                    .Select(id => (id, defaultDays)));
            }
        }
        int purged = 0, skipped = 0;
        foreach (var (id, days) in candidates)
        {
            if (await PurgeAsync(id, days, ct))
            {
                purged++;
            }
            else
            {
                skipped++;
            }
        }
        var outboxMasked = await MaskDoneOutboxAsync(ct);
        var attemptsDeleted = await DeleteOldWebhookAttemptsAsync(ct);
        if (purged > 0 || outboxMasked > 0 || attemptsDeleted > 0 || _walOwed)
        {
            await TruncateWalAsync(ct);
        }
        return new RetentionSweepResult(purged, skipped, outboxMasked, attemptsDeleted);
    }

    /// <summary>
    /// SQLite: the WAL still holds page images with the purged texts; a TRUNCATE checkpoint writes the newest pages
    /// into the file and empties the log (freed space in the file is zeroed by <c>secure_delete</c>, set on every connection).
    /// </summary>
    private async Task TruncateWalAsync(CancellationToken ct)
    {
        _walOwed = true;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await SqliteSecureDelete.CheckpointAndTruncateWalAsync(db, ct))
        {
            _walOwed = false;
        }
        else
        {
            logger.LogWarning("Retention: the WAL could not be checkpointed and truncated now (another process held it); purged texts may stay in the -wal file until the next sweep does it");
        }
    }

    private async Task<bool> PurgeAsync(Guid id, int days, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.Include(x => x.Actions).Include(x => x.Evaluation).FirstOrDefaultAsync(x => x.Id == id && x.PurgedAt == null, ct);
        if (c is null || !CaseStateMachine.IsTerminal(c.Status))
        {
            return false;
        }
        var outcomes = await db.DownstreamOutcomes.Where(o => o.CaseId == id).OrderBy(o => o.Id).ToListAsync(ct);
        var doubleReviews = await db.DoubleReviews.Where(d => d.CaseId == id).ToListAsync(ct);
        var notes = await db.CaseNotes.Where(n => n.CaseId == id).OrderBy(n => n.Id).ToListAsync(ct);
        var actions = c.Actions.OrderBy(a => a.Id).ToList();
        var content = PurgedContent(c, actions, outcomes, doubleReviews, notes);
        var contentHash = Sha256(content);
        var submissionHash = Sha256(c.SubmissionJson);
        var now = time.GetUtcNow();
        var closedAt = c.UpdatedAt;

        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        c.SubmissionJson = JsonSerializer.Serialize(ContentPurge.Mask(submission), WorkbenchJson.Options);
        c.RequestPreview = ContentPurge.Marker;
        c.RequesterId = ContentPurge.Marker;
        c.PendingQuestion = null;
        c.EditedResponse = c.EditedResponse is null ? null : ContentPurge.Marker;
        c.EditedVariablesJson = null;
        c.EditedParametersJson = null;
        c.UndoJson = null; // the round before the decision: earlier edits, long past any undo
        if (c.DecisionJson is { } decision)
        {
            c.DecisionJson = JsonSerializer.Serialize(ContentPurge.Mask(JsonSerializer.Deserialize<DecisionView>(decision, WorkbenchJson.Options)!), WorkbenchJson.Options);
        }
        foreach (var a in actions)
        {
            a.EditedResponse = a.EditedResponse is null ? null : ContentPurge.Marker;
            a.EditedVariablesJson = null;
            a.EditedParametersJson = null;
            a.EditDiffJson = null;
            a.Question = a.Question is null ? null : ContentPurge.Marker;
            a.Note = a.Note is null ? null : ContentPurge.Marker;
        }
        foreach (var o in outcomes)
        {
            o.Note = o.Note is null ? null : ContentPurge.Marker;
        }
        foreach (var n in notes)
        {
            n.Text = ContentPurge.Marker;
        }
        foreach (var d in doubleReviews)
        {
            d.Note = d.Note is null ? null : ContentPurge.Marker;
            d.EditedResponse = d.EditedResponse is null ? null : ContentPurge.Marker;
            d.Revision++;
        }
        if (c.Evaluation is { } evaluation)
        {
            var trace = JsonSerializer.Deserialize<List<Core.Policy.RuleTrace>>(evaluation.TraceJson, WorkbenchJson.Options) ?? [];
            evaluation.TraceJson = JsonSerializer.Serialize(ContentPurge.Mask(trace), WorkbenchJson.Options);
            evaluation.ClarifyingQuestion = evaluation.ClarifyingQuestion is null ? null : ContentPurge.Marker;
        }
        // A receipt is kept for its key's 24 hours; one still there after them is only a copy (clarifying question included).
        db.IdempotencyKeys.RemoveRange(await db.IdempotencyKeys.Where(k => k.CaseId == id && k.ExpiresAt <= now).ToListAsync(ct));
        // The free texts the case's audit events refer to: the chain keeps their digests, so it verifies as before.
        foreach (var t in await db.AuditTexts.Where(t => t.CaseId == id && t.PurgedAt == null).ToListAsync(ct))
        {
            t.Text = null;
            t.Salt = null;
            t.PurgedAt = now;
        }
        var leftPending = await MaskOutboxAsync(db, id, now, ct);
        // What the receivers answered about the case's deliveries goes with its content (an answer may echo it).
        db.WebhookAttempts.RemoveRange(await db.WebhookAttempts.Where(a => a.CaseId == id).ToListAsync(ct));
        c.PurgedAt = now;
        c.RetentionDays = days;
        c.PurgedContentSha256 = contentHash;
        c.UpdatedAt = now;
        c.Revision++;
        Audit.Add(db, AuditEventTypes.CaseContentPurged, Actor, "system", now, c.Id, new
        {
            RetentionDays = days,
            ClosedAt = closedAt,
            ContentSha256 = contentHash,
            SubmissionSha256 = submissionHash,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogDebug("Case {CaseId} changed meanwhile (another instance purged it, or an outcome was reported); left for the next sweep", id);
            return false;
        }
        events.Publish(new CaseEvent(CaseEventKinds.ContentPurged, c.Id, c.Queue, null, c.Status, Actor, now));
        if (leftPending > 0)
        {
            logger.LogInformation("Case {CaseId} purged; {Count} of its webhook events still have deliveries pending and are masked once they are done", id, leftPending);
        }
        return true;
    }

    /// <summary>
    /// Masks the bodies of the case's webhook events that are done: fanned out, and no delivery pending (all delivered or
    /// dead-lettered, or there was no target). Returns how many are left for a later sweep. The mask is part of the
    /// caller's SaveChanges (conditional on the case's Revision). An event not fanned out yet is left: its deliveries
    /// do not exist yet.
    /// </summary>
    private static async Task<int> MaskOutboxAsync(WorkbenchDbContext db, Guid caseId, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.OutboxEvents.Where(e => e.CaseId == caseId && e.PurgedAt == null)
            .Select(e => new { Event = e, Pending = e.FannedOutAt == null || db.WebhookDeliveries.Any(d => d.EventId == e.Id && d.Status == DeliveryStatus.Pending) })
            .ToListAsync(ct);
        foreach (var r in rows.Where(r => !r.Pending))
        {
            r.Event.Body = ContentPurge.MaskWebhookBody(r.Event.Body);
            r.Event.PurgedAt = now;
        }
        return rows.Count(r => r.Pending);
    }

    /// <summary>
    /// The webhook events of cases purged earlier whose deliveries were still pending then and are done now: their
    /// bodies are masked (a batch per sweep). Two instances masking the same event write the same body (masking a
    /// masked body changes nothing); a replay racing this is dead-lettered by the dispatcher, as after a purge.
    /// </summary>
    public async Task<int> MaskDoneOutboxAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var done = await db.OutboxEvents
            .Where(e => e.PurgedAt == null && e.FannedOutAt != null && e.CaseId != null &&
                        db.Cases.Any(c => c.Id == e.CaseId && c.PurgedAt != null) &&
                        !db.WebhookDeliveries.Any(d => d.EventId == e.Id && d.Status == DeliveryStatus.Pending))
            .OrderBy(e => e.Id).Take(options.CurrentValue.BatchSize).ToListAsync(ct);
        foreach (var e in done)
        {
            e.Body = ContentPurge.MaskWebhookBody(e.Body);
            e.PurgedAt = now;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return 0; // a row changed under us (its fan-out mark is a concurrency token): the next sweep sees what is left
        }
        return done.Count;
    }

    /// <summary>
    /// Deletes the webhook attempts older than <see cref="RetentionOptions.WebhookAttemptDays"/>, of any case or none
    /// (a <c>webhook.test</c> has none): a delivery's own row keeps its last status, latency and error. One DELETE by
    /// time; two instances deleting at once delete each row once.
    /// </summary>
    public async Task<int> DeleteOldWebhookAttemptsAsync(CancellationToken ct = default)
    {
        if (options.CurrentValue.WebhookAttemptDays is not { } days)
        {
            return 0;
        }
        var cutoff = time.GetUtcNow().AddDays(-days);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookAttempts.Where(a => a.At < cutoff).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// The content a purge removes, as hashed: UTF-8 JSON (WorkbenchJson: camelCase, nulls left out) of
    /// <c>{"submission":…,"decision":…,"editedResponse":…,"editedVariables":…,"editedParameters":…,"actions":[{"id","editedResponse",
    /// "editedVariables","editedParameters","editDiff","question","note"}…],"outcomes":[{"id","note"}…],"doubleReview":[{"editedResponse","note"}],"notes":[{"id","text"}…]}</c>
    /// (<c>doubleReview</c> only when a second review wrote a text, <c>notes</c> only when the case has internal notes), each text exactly as stored
    /// (the submission and decision as their stored JSON text), actions and outcomes by id. Whoever keeps the original
    /// rows (a backup) can recompute it; <c>SubmissionSha256</c> in the audit event is the SHA-256 of the submission as
    /// stored, which the AI system that sent it can check against its own copy.
    /// </summary>
    public static string PurgedContent(CaseRecord c, IEnumerable<ReviewActionRecord> actions, IEnumerable<DownstreamOutcomeRecord> outcomes,
        IEnumerable<DoubleReviewRecord>? doubleReviews = null, IReadOnlyList<CaseNoteRecord>? notes = null)
    {
        var second = doubleReviews?.Where(d => d.Note is not null || d.EditedResponse is not null).ToList();
        return JsonSerializer.Serialize(new
        {
            Submission = c.SubmissionJson,
            Decision = c.DecisionJson,
            EditedResponse = c.EditedResponse,
            EditedVariables = c.EditedVariablesJson,
            EditedParameters = c.EditedParametersJson,
            Actions = actions.Select(a => new { a.Id, a.EditedResponse, EditedVariables = a.EditedVariablesJson, EditedParameters = a.EditedParametersJson, EditDiff = a.EditDiffJson, a.Question, a.Note }),
            Outcomes = outcomes.Select(o => new { o.Id, o.Note }),
            DoubleReview = second is { Count: > 0 } ? second.Select(d => new { d.EditedResponse, d.Note }) : null,
            Notes = notes is { Count: > 0 } ? notes.Select(n => new { n.Id, n.Text }) : null,
        }, WorkbenchJson.Options);
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

public sealed class RetentionWorker(RetentionPurge purge, TimeProvider time, IOptionsMonitor<RetentionOptions> options, ILogger<RetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.CurrentValue.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var r = await purge.SweepAsync(stoppingToken);
                if (r.Purged > 0)
                {
                    logger.LogInformation("Retention: content of {Purged} closed cases purged", r.Purged);
                }
                if (r.AttemptsDeleted > 0)
                {
                    logger.LogInformation("Retention: {Count} webhook attempts past their retention deleted", r.AttemptsDeleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "The retention sweep failed; trying again in {Interval}", options.CurrentValue.Interval);
            }
        }
    }
}

public static class RetentionExtensions
{
    public static IHostApplicationBuilder AddWorkbenchRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().Bind(builder.Configuration.GetSection("Retention"))
            .Validate(o => !o.Validate().Any(), "Retention settings are invalid.");
        var problems = builder.Configuration.GetSection("Retention").Get<RetentionOptions>()?.Validate().ToList() ?? [];
        if (problems.Count > 0)
        {
            throw new WorkbenchConfigurationException(problems[0]);
        }
        builder.Services.AddSingleton<RetentionPurge>();
        builder.Services.AddHostedService<RetentionWorker>();
        return builder;
    }
}
