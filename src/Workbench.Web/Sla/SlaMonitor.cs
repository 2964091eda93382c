using Workbench.Core.Review;
using Workbench.Core.Policy;
using Workbench.Web.Observability;

namespace Workbench.Web.Sla;

/// <summary>The SLA monitor's settings (<c>Sla:*</c>).</summary>
public sealed record SlaOptions
{
    /// <summary>A case is at risk when this share of its SLA or less is left (0.25 = the last quarter).</summary>
    public double AtRiskShare { get; init; } = 0.25;
    /// <summary>How often the monitor looks.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Most cases handled per step and sweep, so one sweep stays short.</summary>
    public int BatchSize { get; init; } = 500;
}

/// <summary>What one sweep did.</summary>
public sealed record SlaSweepResult(int AtRisk, int Breached, int Expired);

/// <summary>
/// Moves cases along their SLA: at risk, breached (with the queue's escalation, whose own SLA then runs from the
/// breach), expired past the workflow's hard timeout. Safe with several instances: every change is an UPDATE
/// conditional on the case's Revision (EF's concurrency token), so when two instances pick the same case, one update
/// matches and the other changes nothing and moves on; audit event, case event and webhook happen only for the one
/// that won.
/// </summary>
public sealed class SlaMonitor(
    IDbContextFactory<WorkbenchDbContext> dbFactory,
    ActivePolicy policy,
    TimeProvider time,
    CaseEvents events,
    DecisionNotifier notifier,
    IOptionsMonitor<SlaOptions> options,
    WorkbenchMetrics metrics,
    ILogger<SlaMonitor> logger)
{
    public const string Actor = "sla-monitor";

    private static readonly CaseStatus[] Running = [CaseStatus.Queued, CaseStatus.InReview, CaseStatus.AwaitingInfo];
    private static readonly CaseStatus[] Undecided = [CaseStatus.Queued, CaseStatus.InReview, CaseStatus.AwaitingInfo, CaseStatus.ClarificationRequested];

    public async Task<SlaSweepResult> SweepAsync(CancellationToken ct = default)
    {
        // Expiry first: a case past its hard timeout is not escalated on the way out.
        var expired = await ExpireAsync(ct);
        var breached = await BreachAsync(ct);
        var atRisk = await MarkAtRiskAsync(ct);
        return new SlaSweepResult(atRisk, breached, expired);
    }

    private async Task<int> MarkAtRiskAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var compiled = policy.Policy;
        var share = options.CurrentValue.AtRiskShare;
        // The at-risk instant depends on each queue's calendar, so it is computed here, over the open on-track cases
        // whose SLA is running (a paused case has SlaPausedAt set), nearest due first.
        List<CaseRecord> candidates;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            candidates = await db.Cases.AsNoTracking()
                .Where(c => c.SlaState == SlaState.OnTrack && c.SlaDueAt != null && c.SlaPausedAt == null && Running.Contains(c.Status))
                .OrderBy(c => c.SlaDueAt)
                .Take(options.CurrentValue.BatchSize * 4)
                .ToListAsync(ct);
        }
        var count = 0;
        foreach (var c in candidates)
        {
            var hours = c.Queue is null ? null : compiled.FindQueue(c.Queue)?.Hours;
            var left = SlaClock.ShareLeft(c.SlaStartedAt ?? c.CreatedAt, c.SlaDueAt!.Value, now, hours);
            if (left > share || left <= 0)
            {
                continue; // not yet; or already past due, which the breach step handles
            }
            var ok = await ChangeAsync(c, ct, (db, x) =>
            {
                x.SlaState = SlaState.AtRisk;
                Audit.Add(db, AuditEventTypes.CaseSlaAtRisk, Actor, "system", now, x.Id,
                    new { x.Queue, x.SlaDueAt, ShareLeft = Math.Round(left, 3), Threshold = share });
                return CaseEventKinds.SlaAtRisk;
            });
            count += ok ? 1 : 0;
            if (count >= options.CurrentValue.BatchSize)
            {
                break;
            }
        }
        return count;
    }

    private async Task<int> BreachAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var compiled = policy.Policy;
        List<CaseRecord> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = await db.Cases.AsNoTracking()
                .Where(c => c.SlaState != SlaState.Breached && c.SlaDueAt <= now && c.SlaPausedAt == null && Running.Contains(c.Status))
                .OrderBy(c => c.SlaDueAt)
                .Take(options.CurrentValue.BatchSize)
                .ToListAsync(ct);
        }
        var count = 0;
        foreach (var c in due)
        {
            var queue = c.Queue is null ? null : compiled.FindQueue(c.Queue);
            var actions = queue?.OnBreach ?? BreachActions.AlertLead;
            var breachedIn = c.Queue;
            var ok = await ChangeAsync(c, ct, (db, x) =>
            {
                var fromQueue = x.Queue;
                var fromPriority = x.Priority;
                var dueWas = x.SlaDueAt;
                x.SlaState = SlaState.Breached;
                if (actions.HasFlag(BreachActions.RaisePriority) && x.Priority < CasePriority.Urgent)
                {
                    x.Priority++;
                }
                string? escalatedTo = null;
                EscalationSla? escalation = null;
                // Only a queued case moves: one in review stays with the reviewer working it (moving it would take it
                // out of his hands mid-decision) and one awaiting info waits for the AI system; for those the raised
                // priority and the lead alert are the escalation.
                if (actions.HasFlag(BreachActions.Escalate) && queue?.EscalationTarget is { } target && x.Status == CaseStatus.Queued)
                {
                    x.Queue = target;
                    x.AssignedTo = null;
                    escalatedTo = target;
                    // The escalation queue's own SLA for the case's work, at its (raised) priority, runs from the breach:
                    // that queue is measured on its own clock, and misses it as a breach of its own.
                    escalation = compiled.EscalationSlaOf(target, x.ReleaseOutcome, x.ExecuteOutcome, x.SpotCheck, x.Priority, now);
                    if (escalation is not null)
                    {
                        x.SlaState = SlaState.Escalated;
                        x.SlaStartedAt = escalation.StartedAt;
                        x.SlaDueAt = escalation.DueAt;
                    }
                }
                Audit.Add(db, AuditEventTypes.CaseSlaBreached, Actor, "system", now, x.Id, new
                {
                    Queue = fromQueue,
                    SlaDueAt = dueWas,
                    PriorityFrom = fromPriority,
                    PriorityTo = x.Priority,
                    EscalatedTo = escalatedTo,
                    EscalationSlaDueAt = escalation?.DueAt,
                    LeadAlert = actions.HasFlag(BreachActions.AlertLead),
                });
                if (escalation is not null)
                {
                    Audit.Add(db, AuditEventTypes.CaseSlaRestarted, Actor, "system", now, x.Id, new
                    {
                        x.Queue,
                        escalation.Kind,
                        escalation.StartedAt,
                        SlaDueAt = escalation.DueAt,
                    });
                }
                if (actions.HasFlag(BreachActions.AlertLead))
                {
                    Audit.Add(db, LeadAlertType, Actor, "system", now, x.Id, new
                    {
                        Kind = CaseEventKinds.SlaBreached,
                        Queue = fromQueue,
                        EscalatedTo = escalatedTo,
                        Message = $"SLA breached in {fromQueue}" + (escalatedTo is null ? "" : $"; escalated to {escalatedTo}"),
                    });
                }
                AddWebhookEvent(db, AuditEventTypes.CaseSlaBreached, x, now, dueWas);
                return CaseEventKinds.SlaBreached;
            }, previousQueue: c.Queue);
            if (ok)
            {
                metrics.SlaBreached(breachedIn ?? "none", c.Workflow); // the queue it breached in (the change moved c on)
                count++;
            }
        }
        return count;
    }

    /// <summary>The audit type of an alert for the leads (the board lists them).</summary>
    public const string LeadAlertType = AuditEventTypes.LeadAlert;

    private async Task<int> ExpireAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var count = 0;
        foreach (var workflow in policy.Policy.Workflows.Values.Where(w => w.Timeout is not null))
        {
            var cutoff = now - workflow.Timeout!.Value;
            List<CaseRecord> old;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                old = await db.Cases.AsNoTracking()
                    .Where(c => c.Workflow == workflow.Name && c.CreatedAt <= cutoff && Undecided.Contains(c.Status))
                    .OrderBy(c => c.CreatedAt)
                    .Take(options.CurrentValue.BatchSize)
                    .ToListAsync(ct);
            }
            foreach (var c in old)
            {
                var ok = await ChangeAsync(c, ct, (db, x) =>
                {
                    var from = x.Status;
                    Expire(x, workflow, now);
                    Audit.Add(db, AuditEventTypes.CaseExpired, Actor, "system", now, x.Id,
                        new { From = from, To = x.Status, workflow.Timeout, DefaultDecision = workflow.OnTimeout });
                    AddWebhookEvent(db, AuditEventTypes.CaseExpired, x, now);
                    return CaseEventKinds.Expired;
                });
                if (ok)
                {
                    notifier.Notify(c.Id);
                    metrics.CaseDecided(c.Workflow, "expired", now - c.CreatedAt);
                    count++;
                }
            }
        }
        return count;
    }

    /// <summary>The workflow's default decision: the decision is <c>expired</c>; approve releases the proposal as sent.</summary>
    internal static void Expire(CaseRecord c, WorkflowDefinition workflow, DateTimeOffset now)
    {
        c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.Expire);
        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        var approve = workflow.OnTimeout == TimeoutDecision.Approve;
        c.Decision = DecisionKind.Expired;
        c.DecidedAt = now;
        c.DecisionJson = JsonSerializer.Serialize(new DecisionView
        {
            CaseId = c.Id,
            Decision = DecisionKind.Expired,
            ActionParameters = approve ? submission.Proposal.Action?.Parameters : null,
            Note = $"No decision within the workflow's hard timeout of {workflow.Timeout}; its default decision applies: " +
                   (approve ? "approve the proposal as sent." : "reject."),
            Reviewers = [],
            DecidedAt = now,
            PolicyVersion = c.PolicyVersion,
        }.WithResponse(approve ? submission.Proposal.Response?.Body : null, submission.Proposal.Response?.Variables), WorkbenchJson.Options);
        c.ClaimedBy = null;
        c.ClaimExpiresAt = null;
        c.PendingQuestion = null;
        c.SlaPausedAt = null;
    }

    /// <summary>
    /// The single call site for the webhook outbox of SLA events, in the same unit of work as the state change:
    /// <c>case.expired</c> carries the decision the case got (as <c>case.decided</c> does), <c>case.sla_breached</c>
    /// the case's place now (status, queue — the escalation queue when it moved), when it was due, and when the
    /// escalation queue's own SLA is due where it moved.
    /// </summary>
    private static void AddWebhookEvent(WorkbenchDbContext db, string type, CaseRecord c, DateTimeOffset now, DateTimeOffset? breachedDue = null)
    {
        object data = type == AuditEventTypes.CaseExpired && c.DecisionJson is { } decision
            ? JsonDocument.Parse(decision).RootElement.Clone()
            : Outbox.CaseData(c, new
            {
                SlaDueAt = breachedDue ?? c.SlaDueAt,
                c.Priority,
                EscalationSlaDueAt = c.SlaState == SlaState.Escalated ? c.SlaDueAt : null,
            });
        Outbox.Add(db, type, c, now, data);
    }

    /// <summary>
    /// One conditional update: attach the case as read (its Revision is the concurrency token), change it, bump the
    /// Revision, save. If another instance or a reviewer changed it meanwhile, the UPDATE matches no row and nothing
    /// is written, audited or published.
    /// </summary>
    private async Task<bool> ChangeAsync(CaseRecord c, CancellationToken ct, Func<WorkbenchDbContext, CaseRecord, string> change, string? previousQueue = null)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Attach(c);
        var kind = change(db, c);
        c.UpdatedAt = now;
        c.Revision++;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogDebug("Case {CaseId} changed meanwhile; the SLA monitor leaves it for its next sweep", c.Id);
            return false;
        }
        events.Publish(new CaseEvent(kind, c.Id, c.Queue, previousQueue is not null && previousQueue != c.Queue ? previousQueue : null, c.Status, Actor, now));
        return true;
    }
}

/// <summary>Runs the SLA monitor every <see cref="SlaOptions.Interval"/> on the app's clock.</summary>
public sealed class SlaMonitorWorker(SlaMonitor monitor, TimeProvider time, IOptionsMonitor<SlaOptions> options, ILogger<SlaMonitorWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var r = await monitor.SweepAsync(stoppingToken);
                if (r.AtRisk + r.Breached + r.Expired > 0)
                {
                    logger.LogInformation("SLA monitor: {AtRisk} at risk, {Breached} breached, {Expired} expired", r.AtRisk, r.Breached, r.Expired);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "The SLA sweep failed; trying again in {Interval}", options.CurrentValue.Interval);
            }
        }
    }
}
