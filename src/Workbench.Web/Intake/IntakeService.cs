using Workbench.Core.Review;
using System.Collections.Concurrent;
using Workbench.Core.Policy;
using Workbench.Web.Learning;

namespace Workbench.Web.Intake;

public abstract record IntakeOutcome
{
    public sealed record Created(CaseReceipt Receipt) : IntakeOutcome;
    public sealed record Replayed(CaseReceipt Receipt) : IntakeOutcome;
    public sealed record KeyReused : IntakeOutcome;
    public sealed record InFlight : IntakeOutcome;
    public sealed record DuplicateExternalId(Guid ExistingCaseId) : IntakeOutcome;
}

/// <summary>
/// Submission: policy decision, then case + evaluation + audit event + idempotency record in one transaction;
/// only after the commit does the caller answer 201.
/// </summary>
public sealed class IntakeService(
    IDbContextFactory<WorkbenchDbContext> dbFactory, IntakeWriter writer, IPolicyRuntime policy, TimeProvider time,
    IOptionsMonitor<LearningOptions> learning, ILogger<IntakeService> logger)
{
    /// <summary>Idempotency keys are kept at least this long.</summary>
    public static readonly TimeSpan KeyRetention = TimeSpan.FromHours(24);

    // Same key while the first request is still running on this instance → 409. Across instances the primary
    // key of the idempotency table decides: the loser finds the winner's row and answers with its receipt.
    private readonly ConcurrentDictionary<(string Client, string Key), byte> _inFlight = new();

    public async Task<IntakeOutcome> SubmitAsync(
        string clientId, string? idempotencyKey, ReadOnlyMemory<byte> body, CaseSubmission submission, string? requestId, CancellationToken ct)
    {
        // The bytes' hash: a retry that sends the same bytes is known by it at once. A retry whose body was re-serialized
        // is compared by canonical JSON, only when its key is found taken (FindKeyAsync), which is rare.
        var hash = idempotencyKey is null ? null : IdempotencyFingerprint.OfBytes(body.Span);
        if (idempotencyKey is not null && !_inFlight.TryAdd((clientId, idempotencyKey), 0))
        {
            return new IntakeOutcome.InFlight();
        }
        try
        {
            // No look-up first: the key's primary key catches a repeat at commit, and the repeat is answered from
            // the stored receipt then. That keeps a query off every first submission, which is nearly all of them.
            return await CreateAsync(clientId, idempotencyKey, hash, submission, body, requestId, ct);
        }
        finally
        {
            if (idempotencyKey is not null)
            {
                _inFlight.TryRemove((clientId, idempotencyKey), out _);
            }
        }
    }

    private async Task<IntakeOutcome?> FindKeyAsync(string clientId, string key, string hash, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.IdempotencyKeys.AsNoTracking()
            .Where(k => k.ClientId == clientId && k.Key == key)
            .Select(k => new { k.RequestHash, k.ReceiptJson, k.CaseId })
            .FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }
        return row.RequestHash == hash || await SameCanonicalRequestAsync(db, row.RequestHash, row.CaseId, body, ct)
            ? new IntakeOutcome.Replayed(JsonSerializer.Deserialize<CaseReceipt>(row.ReceiptJson, WorkbenchJson.Options)!)
            : new IntakeOutcome.KeyReused();
    }

    /// <summary>
    /// Whether a retry whose bytes differ is the same submission re-serialized: its canonical JSON against the first
    /// request's. A key stored with a canonical fingerprint (as every key was before the bytes' hash) compares at once;
    /// otherwise the first request is the case's submission as it was sent, which the case keeps.
    /// </summary>
    private static async Task<bool> SameCanonicalRequestAsync(WorkbenchDbContext db, string stored, Guid caseId, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var canonical = IdempotencyFingerprint.Of(body.Span);
        if (stored == canonical)
        {
            return true;
        }
        var first = await db.Cases.AsNoTracking().Where(c => c.Id == caseId).Select(c => c.SubmissionJson).FirstOrDefaultAsync(ct);
        return first is not null && IdempotencyFingerprint.Of(System.Text.Encoding.UTF8.GetBytes(first)) == canonical;
    }

    private async Task<IntakeOutcome> CreateAsync(
        string clientId, string? key, string? hash, CaseSubmission submission, ReadOnlyMemory<byte> body, string? requestId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["CaseId"] = id, ["ExternalId"] = submission.ExternalId });
        var decision = policy.Evaluate(submission, id, now, clientId);
        // The body as sent is what the reviewer and the audit see (it was validated, and unknown members refused).
        var record = NewCase(clientId, id, submission, decision, now, System.Text.Encoding.UTF8.GetString(body.Span),
            learning.CurrentValue.DoubleReview, learning.CurrentValue.SpotCheck.AgeOut);
        var receipt = CaseViews.Receipt(record, decision);

        var audit = Audit.Event(AuditEventTypes.CaseSubmitted, clientId, "client", now, id, new
        {
            submission.ExternalId,
            submission.Workflow,
            decision.RiskTier,
            Outcome = new OutcomeView(decision.Release, decision.Execute),
            decision.ReasonCodes,
            decision.Queue,
            record.Status,
            decision.PolicyVersion,
            submission.Provenance,
            EvidenceIds = submission.Evidence.Select(e => e.Id),
        }, requestId, new AuditContext(decision.RiskTier, decision.PolicyVersion, submission.Provenance,
            submission.Evidence.Select(e => e.Id), decision.ReasonCodes, record.Decision));
        var keyRecord = key is null ? null : new IdempotencyRecord
        {
            ClientId = clientId,
            Key = key,
            RequestHash = hash!,
            CaseId = id,
            ReceiptJson = JsonSerializer.Serialize(receipt, WorkbenchJson.Options),
            CreatedAt = now,
            ExpiresAt = now + KeyRetention,
        };
        try
        {
            await writer.WriteAsync(record, audit, keyRecord, ct);
        }
        catch (DbUpdateException ex) when (!DatabaseErrors.IsUnavailable(ex))
        {
            // A unique index said no: another instance used the same key, or the external id is taken.
            if (key is not null && await FindKeyAsync(clientId, key, hash!, body, ct) is { } earlier)
            {
                return earlier;
            }
            await using var check = await dbFactory.CreateDbContextAsync(ct);
            var existing = await check.Cases.AsNoTracking()
                .Where(c => c.ClientId == clientId && c.ExternalId == submission.ExternalId)
                .Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
            if (existing is { } existingId)
            {
                return new IntakeOutcome.DuplicateExternalId(existingId);
            }
            logger.LogError(ex, "Saving a new case failed");
            throw;
        }
        // The writer announced the case (the created event) on commit, even to a caller that stopped waiting.
        return new IntakeOutcome.Created(receipt);
    }

    internal static CaseRecord NewCase(string clientId, Guid id, CaseSubmission s, PolicyDecision d, DateTimeOffset now, string? submissionJson = null,
        DoubleReviewOptions? doubleReview = null, TimeSpan? spotCheckAgeOut = null)
    {
        var status = CaseStateMachine.InitialStatus(d.Release, d.Execute);
        // Sampled at queue time, so the sample is fixed before anyone reviews and cannot lean towards easy or hard cases.
        var record = new CaseRecord
        {
            Id = id,
            ClientId = clientId,
            ExternalId = s.ExternalId,
            Workflow = s.Workflow,
            TaskType = s.TaskType,
            RiskTier = d.RiskTier,
            Status = status,
            Queue = d.Queue,
            Priority = d.Priority,
            ReleaseOutcome = d.Release,
            ExecuteOutcome = d.Execute,
            ReasonCodes = CaseViews.JoinReasonCodes(d.ReasonCodes),
            SlaDueAt = status == CaseStatus.Queued ? d.SlaDueAt : null,
            SlaStartedAt = status == CaseStatus.Queued && d.SlaDueAt is not null ? now : null,
            ApprovalsRequired = d.ApprovalsRequired,
            SpotCheck = d.SpotCheck,
            DoubleReview = status == CaseStatus.Queued && doubleReview is not null && doubleReview.IsSampled(id, s.Workflow),
            RequesterId = s.Requester.Id,
            // As the policy counted it (the AI system's word only where the policy takes that system's word).
            RequesterAuthenticated = d.RequesterAuthenticated,
            RequestPreview = Workbench.Core.Review.TextCut.Head(s.Request, 500),
            SubmissionJson = submissionJson ?? JsonSerializer.Serialize(s, WorkbenchJson.Options),
            CallbackUrl = s.CallbackUrl,
            ModelCostAmount = s.ModelCost?.Amount,
            ModelCostCurrency = s.ModelCost?.Currency,
            PolicyVersion = d.PolicyVersion,
            CreatedAt = now,
            UpdatedAt = now,
            PendingQuestion = status == CaseStatus.ClarificationRequested ? d.ClarifyingQuestion : null,
            Evaluation = new PolicyEvaluationRecord
            {
                CaseId = id,
                Release = d.Release,
                Execute = d.Execute,
                ReasonCodesJson = JsonSerializer.Serialize(d.ReasonCodes, WorkbenchJson.Options),
                // The queue the policy routes the case to: for one that waits for an answer first, the queue it goes to then.
                Queue = d.Queue ?? d.ClarifiedQueue,
                Priority = d.Priority,
                SlaDueAt = d.SlaDueAt,
                ApprovalsRequired = d.ApprovalsRequired,
                RiskTier = d.RiskTier,
                AutonomyStage = d.AutonomyStage,
                SpotCheck = d.SpotCheck,
                ClarifyingQuestion = d.ClarifyingQuestion,
                PolicyVersion = d.PolicyVersion,
                TraceJson = PolicyTraceJson.Write(d.Trace),
                EvaluatedAt = now,
            },
        };
        if (d.SpotCheck)
        {
            // The AI system has its answer; the sample becomes an item a reviewer of the spot-check queue works,
            // beside the case and written with it (one more row in the same transaction).
            record.SpotCheckItem = new SpotCheckRecord
            {
                CaseId = id,
                Workflow = s.Workflow,
                Queue = d.Queue,
                SampledAt = now,
                DueAt = d.SlaDueAt,
                AgesOutAt = now + (spotCheckAgeOut ?? SpotCheckOptions.DefaultAgeOut),
            };
        }
        if (status == CaseStatus.AutoApproved)
        {
            // Proceed: answered at intake, never queued. The proposal is the decision, approved by policy.
            record.Decision = DecisionKind.Approved;
            record.DecidedAt = now;
            record.DecisionJson = JsonSerializer.Serialize(new DecisionView
            {
                CaseId = id,
                Decision = DecisionKind.Approved,
                ActionParameters = s.Proposal.Action?.Parameters,
                Note = "Approved by policy: no rule required a human.",
                Reviewers = [],
                DecidedAt = now,
                PolicyVersion = d.PolicyVersion,
            }.WithResponse(s.Proposal.Response?.Body, s.Proposal.Response?.Variables), WorkbenchJson.Options);
        }
        return record;
    }
}
