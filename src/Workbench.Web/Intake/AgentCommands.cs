using Workbench.Core.Review;

namespace Workbench.Web.Intake;

public abstract record CommandResult<T>
{
    public sealed record Done(T Value) : CommandResult<T>;
    public sealed record NotFound : CommandResult<T>;
    public sealed record Illegal(string Detail) : CommandResult<T>;
    public sealed record Conflict : CommandResult<T>;
}

/// <summary>What an AI system does to its own cases after submitting them: reply, withdraw, report an outcome.</summary>
public sealed class AgentCommands(
    IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, DecisionNotifier notifier, CaseEvents events, ActivePolicy policy)
{
    /// <summary>The case as the AI system may see it now: a decision in its undo window is not there yet.</summary>
    public async Task<CaseRecord?> FindAsync(string clientId, Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Another client's case is "not found": its existence is not this client's business.
        var c = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.ClientId == clientId, ct);
        return c is null ? null : CaseViews.AsReleased(c, time.GetUtcNow());
    }

    /// <summary>How long the case's decision still waits in its undo window (read by <see cref="FindAsync"/>); null when none does.</summary>
    public TimeSpan? HeldFor(CaseRecord c) =>
        c.ReleaseAt is { } at && c.DecisionJson is null && c.Status == CaseStatus.InReview && at > time.GetUtcNow() ? at - time.GetUtcNow() : null;

    public Task<CommandResult<CaseView>> ReplyAsync(string clientId, Guid id, ReplyRequest reply, string? requestId, CancellationToken ct) =>
        TransitionAsync(clientId, id, CaseTrigger.ReceiveReply, AuditEventTypes.CaseReplyReceived, CaseEventKinds.ReplyReceived, requestId, ct, (c, now) =>
        {
            c.PendingQuestion = null;
            ReviewCases.Apply(c, ReviewRules.ResetRound(ReviewCases.Snapshot(c))); // approvals before the answer do not cover it
            if (c.Queue is null)
            {
                // The answer to the intake's clarifying question: the case had no queue yet. It goes where the policy
                // routed it at intake (its rules and guards: a refund over the threshold to finance, not the support
                // queue of the workflow the AI system named), with that queue's approval SLA, counted from now. (An
                // evaluation stored without that queue, or naming one the policy no longer has, falls back to the workflow's.)
                var compiled = policy.Policy;
                c.Queue = c.Evaluation?.Queue is { } routed && compiled.FindQueue(routed) is not null ? routed
                    : compiled.Workflows.TryGetValue(c.Workflow, out var workflow) ? workflow.Queue : compiled.DefaultQueue;
                c.SlaDueAt = compiled.FindQueue(c.Queue)?.DueAt(Core.Policy.SlaKind.AwaitApproval, c.Priority, now);
                c.SlaStartedAt = c.SlaDueAt is null ? null : now;
            }
            else if (c.SlaPausedAt is { } paused && c.SlaDueAt is { } pausedDue)
            {
                // The clock stopped at the request for info: what was left then is left now, in the queue's own time.
                var hours = policy.Policy.FindQueue(c.Queue)?.Hours;
                (c.SlaStartedAt, c.SlaDueAt) = Core.Policy.SlaClock.Resume(c.SlaStartedAt ?? c.CreatedAt, pausedDue, paused, now, hours);
                c.SlaPausedAt = null;
            }
            else if (c.SlaDueAt is null && c.Evaluation?.SlaDueAt is { } due)
            {
                c.SlaDueAt = due < now ? now : due;
            }
            // The reply's texts go to audit_texts (purgeable): the message, and the signals, as the submission's are content.
            return (new
            {
                Message = Audit.Text(reply.Message),
                Signals = Audit.Text(reply.Signals is { Count: > 0 } signals ? JsonSerializer.Serialize(signals, WorkbenchJson.Options) : null),
                c.Queue,
            }, (object?)null);
        });

    public Task<CommandResult<CaseView>> WithdrawAsync(string clientId, Guid id, WithdrawRequest request, string? requestId, CancellationToken ct) =>
        TransitionAsync(clientId, id, CaseTrigger.Withdraw, AuditEventTypes.CaseWithdrawn, CaseEventKinds.Withdrawn, requestId, ct, (c, _) =>
        {
            c.ClaimedBy = null;
            c.ClaimExpiresAt = null;
            c.PendingQuestion = null;
            // The acknowledgement tells the AI system its own reason back; the audit keeps it purgeable.
            return (new { Reason = Audit.Text(request.Reason) }, new { request.Reason });
        });

    public async Task<CommandResult<OutcomeReceipt>> ReportOutcomeAsync(
        string clientId, Guid id, OutcomeReport report, string? requestId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.FirstOrDefaultAsync(x => x.Id == id && x.ClientId == clientId, ct);
        if (c is null)
        {
            return new CommandResult<OutcomeReceipt>.NotFound();
        }
        var now = time.GetUtcNow();
        // A decision in its undo window has not reached the AI system: to it the case is still in review.
        var seen = CaseViews.StatusSeen(c, now);
        if (seen is not (CaseStatus.Decided or CaseStatus.AutoApproved or CaseStatus.Expired))
        {
            return new CommandResult<OutcomeReceipt>.Illegal(
                $"A downstream outcome can be reported once the case is decided; this case is {Describe(seen)}.");
        }
        db.DownstreamOutcomes.Add(new DownstreamOutcomeRecord { CaseId = id, Outcome = report.Outcome, Note = report.Note, ReportedBy = clientId, ReportedAt = now });
        Audit.Add(db, AuditEventTypes.CaseOutcomeReported, clientId, "client", now, id, new { report.Outcome, Note = Audit.Text(report.Note) }, requestId);
        await db.SaveChangesAsync(ct);
        return new CommandResult<OutcomeReceipt>.Done(new OutcomeReceipt(id, report.Outcome, report.Note, now));
    }

    private async Task<CommandResult<CaseView>> TransitionAsync(
        string clientId, Guid id, CaseTrigger trigger, string auditType, string liveKind, string? requestId, CancellationToken ct,
        Func<CaseRecord, DateTimeOffset, (object Audit, object? Outbox)> apply)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.Include(x => x.Evaluation).FirstOrDefaultAsync(x => x.Id == id && x.ClientId == clientId, ct);
        if (c is null)
        {
            return new CommandResult<CaseView>.NotFound();
        }
        var now = time.GetUtcNow();
        if (trigger == CaseTrigger.Withdraw && CaseViews.IsHeld(c, now) && !await TakeBackHeldAsync(db, c, clientId, now, requestId, ct))
        {
            // The release overtook the withdrawal: the decision has gone out, and the case is decided as for any other.
            return new CommandResult<CaseView>.Illegal(new IllegalTransitionException(CaseStatus.Decided, trigger).Message);
        }
        if (!CaseStateMachine.CanApply(c.Status, trigger))
        {
            return new CommandResult<CaseView>.Illegal(new IllegalTransitionException(c.Status, trigger).Message);
        }
        var from = c.Status;
        c.Status = CaseStateMachine.Apply(c.Status, trigger);
        var (data, outboxData) = apply(c, now);
        c.UpdatedAt = now;
        c.Revision++;
        Audit.Add(db, auditType, clientId, "client", now, id, new { From = from, To = c.Status, Details = data }, requestId);
        if (trigger == CaseTrigger.Withdraw)
        {
            // The acknowledgement of a withdrawal, so that a receiver that only listens to webhooks stops waiting too.
            Outbox.Add(db, WebhookEventTypes.CaseWithdrawn, c, now, Outbox.CaseData(c, outboxData));
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new CommandResult<CaseView>.Conflict();
        }
        notifier.Notify(id);
        events.Publish(new CaseEvent(liveKind, id, c.Queue, null, c.Status, clientId, now));
        return new CommandResult<CaseView>.Done(CaseViews.View(c));
    }

    /// <summary>
    /// A withdrawal during the undo window: to the AI system the case is in review, so the held decision is taken back
    /// (nothing of it is ever sent; audited as undone, by the client) and the case is in review again for the
    /// withdrawal that follows. False when the dispatcher released the decision first.
    /// </summary>
    private static async Task<bool> TakeBackHeldAsync(WorkbenchDbContext db, CaseRecord c, string clientId, DateTimeOffset now, string? requestId,
        CancellationToken ct)
    {
        if (!await HeldDecisions.TakeBackAsync(db, c.Id, c.ReleaseAt!.Value, HeldDecisions.DecidedBy(c) ?? "", ct))
        {
            return false;
        }
        Audit.Add(db, AuditEventTypes.CaseDecisionUndone, clientId, "client", now, c.Id, new { c.Decision, c.DecidedAt, c.ReleaseAt }, requestId);
        c.Status = CaseStateMachine.Apply(c.Status, CaseTrigger.UndoDecision);
        (c.Decision, c.DecidedAt, c.DecisionJson, c.ReleaseAt, c.UndoJson) = (null, null, null, null, null);
        return true;
    }

    private static string Describe(CaseStatus s) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString());
}
