using Workbench.Core.Audit;
using Workbench.Core.Policy;
using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Auditing;

public sealed record ReconstructedVersions(string PolicyVersion, string? Model, string? PromptVersion, string? RetrievalIndexVersion,
    IReadOnlyDictionary<string, string>? ToolVersions);

public sealed record ReconstructedPolicy(string Version, PathOutcome Release, PathOutcome Execute, IReadOnlyList<string> ReasonCodes,
    string? Queue, int ApprovalsRequired, AutonomyStage? AutonomyStage, IReadOnlyList<RuleTrace> Trace);

public sealed record ReconstructedAction(long Id, string Reviewer, DateTimeOffset At, ReviewActionKind Action, string? Note,
    string? RejectReasonCode, string? EditedResponse, string? Question, string? FromQueue, string? TargetQueue, RootCause? RootCause);

/// <summary>
/// A free text an event refers to (<c>audit_texts</c>): <see cref="Status"/> is <c>present</c> (shown, and it matches the
/// digest the chain holds), <c>purged</c> (retention removed it on <see cref="PurgedAt"/>; the digest stays),
/// <c>altered</c> (the stored text does not match the chained digest: it is not shown) or <c>missing</c> (no row).
/// </summary>
public sealed record ReconstructedText(string Field, string Ref, string Sha256, string Status, string? Text, DateTimeOffset? PurgedAt);

/// <summary>
/// One audit event: <see cref="Data"/> exactly as chained (free texts in it are <c>{"textRef","sha256"}</c>, resolved in
/// <see cref="Texts"/>; events written before texts moved out hold them inline and have no <see cref="Texts"/>).
/// </summary>
public sealed record ReconstructedEvent(long Id, long Sequence, string Type, string Actor, string ActorRole, DateTimeOffset At,
    string? RequestId, string? ReviewerAction, string? FinalDecision, JsonElement Data, string PrevHash, string Hash, bool ChainIntact, string? Problem,
    IReadOnlyList<ReconstructedText> Texts, AuditInclusionProof? Proof = null);

/// <summary>
/// RFC 9162 inclusion proof of an event (leaf <see cref="LeafIndex"/> = sequence − 1, leaf data its chain hash) in the
/// tree of the checkpoint of <see cref="TreeSize"/> events; <see cref="Verified"/> says whether it leads to that
/// checkpoint's signed root.
/// </summary>
public sealed record AuditInclusionProof(long TreeSize, long LeafIndex, string LeafHash, IReadOnlyList<string> Path, bool Verified);

/// <summary>Retention removed the case's content: when, under which retention, and the SHA-256 of what was removed.</summary>
public sealed record ReconstructedPurge(DateTimeOffset PurgedAt, int? RetentionDays, string? ContentSha256);

public sealed record ReconstructedOutcome(DownstreamOutcome Outcome, string? Note, string ReportedBy, DateTimeOffset ReportedAt);

/// <summary>
/// A case told end to end for an auditor (the article's "you should be able to reconstruct" list): what was asked,
/// the evidence the system had, what the model proposed, which rules fired and why, every human action, what was
/// finally sent or executed, the versions in play, and the chain check of the case's own events.
/// </summary>
public sealed record CaseAuditExport
{
    public required Guid CaseId { get; init; }
    public required string ExternalId { get; init; }
    public required string ClientId { get; init; }
    public required string Workflow { get; init; }
    public required string TaskType { get; init; }
    public required int RiskTier { get; init; }
    public required CaseStatus Status { get; init; }
    public string? Queue { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    public required Requester Requester { get; init; }
    /// <summary>
    /// Whether the policy counted the requester as authenticated: <see cref="Requester"/> is what the AI system said, and
    /// a policy that takes that word only from the systems it lists counts it false from any other.
    /// </summary>
    public bool RequesterAuthenticatedByPolicy { get; init; }
    public required string Request { get; init; }
    public required IReadOnlyList<EvidenceItem> Evidence { get; init; }
    public required IReadOnlyList<Claim> Claims { get; init; }
    public required Proposal Proposal { get; init; }
    public required IReadOnlyList<ToolStep> ToolTrace { get; init; }
    public ReconstructedPolicy? Policy { get; init; }
    public required IReadOnlyList<ReconstructedAction> HumanActions { get; init; }
    public DecisionView? FinalDecision { get; init; }
    public required IReadOnlyList<ReconstructedOutcome> DownstreamOutcomes { get; init; }
    public required ReconstructedVersions Versions { get; init; }
    public required bool ChainIntact { get; init; }
    /// <summary>
    /// The newest signed checkpoint (null when none is signed yet): events up to its size carry an inclusion proof
    /// against it; later ones are only chained so far.
    /// </summary>
    public AuditCheckpointView? Checkpoint { get; init; }
    /// <summary>False when the checkpoint's signature fails or an event it covers does not lead to its root.</summary>
    public bool CheckpointIntact { get; init; } = true;
    /// <summary>Set when retention purged the case's content (its texts read "[purged]").</summary>
    public ReconstructedPurge? ContentPurged { get; init; }
    public required IReadOnlyList<ReconstructedEvent> Events { get; init; }
    public required DateTimeOffset ExportedAt { get; init; }
}

public sealed class CaseReconstruction(IDbContextFactory<WorkbenchDbContext> dbFactory, CaseDetails details, AuditCheckpointKey key, TimeProvider time)
{
    /// <summary>Null when the case does not exist or the viewer may not see it (reviewers: their queues; leads and admins: all).</summary>
    public async Task<CaseAuditExport?> BuildAsync(Guid id, ReviewerIdentity viewer, CancellationToken ct = default)
    {
        var d = await details.LoadAsync(id, viewer, ct);
        if (d is null)
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var checks = (await AuditChain.VerifyCaseAsync(db, id, ct)).ToDictionary(c => c.Id);
        var outcomes = await db.DownstreamOutcomes.AsNoTracking().Where(o => o.CaseId == id).OrderBy(o => o.Id)
            .Select(o => new ReconstructedOutcome(o.Outcome, o.Note, o.ReportedBy, o.ReportedAt)).ToListAsync(ct);
        var texts = await db.AuditTexts.AsNoTracking().Where(t => t.CaseId == id).ToDictionaryAsync(t => t.Ref, StringComparer.Ordinal, ct);
        var c = d.Case;
        var s = d.Submission;
        var events = d.History.OrderBy(e => e.Sequence).Select(e =>
        {
            var check = checks.GetValueOrDefault(e.Id);
            return new ReconstructedEvent(e.Id, e.Sequence, e.Type, e.Actor, e.ActorRole, e.At, e.RequestId, e.ReviewerAction, e.FinalDecision,
                ParseData(e.DataJson), e.PrevHash, e.Hash, check?.Intact ?? false, check?.Problem ?? (check is null ? "Not checked." : null),
                [.. AuditTexts.Places(e.DataJson).Select(p => Resolve(p, texts.GetValueOrDefault(p.Ref)))]);
        }).ToList();
        var checkpoint = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(k => k.TreeSize).FirstOrDefaultAsync(ct);
        var checkpointIntact = true;
        if (checkpoint is not null)
        {
            checkpointIntact = key.Signer is null || CheckpointSignature.Verify(key.Signer, checkpoint.Body, checkpoint.Signature);
            var tree = new AuditTree(db);
            for (var i = 0; i < events.Count; i++)
            {
                if (events[i].Sequence <= checkpoint.TreeSize)
                {
                    var proof = await ProveAsync(tree, events[i], checkpoint, ct);
                    checkpointIntact &= proof?.Verified == true;
                    events[i] = events[i] with { Proof = proof };
                }
            }
        }
        return new CaseAuditExport
        {
            CaseId = c.Id,
            ExternalId = c.ExternalId,
            ClientId = c.ClientId,
            Workflow = c.Workflow,
            TaskType = c.TaskType,
            RiskTier = c.RiskTier,
            Status = c.Status,
            Queue = c.Queue,
            SubmittedAt = c.CreatedAt,
            Requester = s.Requester,
            RequesterAuthenticatedByPolicy = c.RequesterAuthenticated,
            Request = s.Request,
            Evidence = s.Evidence,
            Claims = s.Claims,
            Proposal = s.Proposal,
            ToolTrace = s.ToolTrace,
            Policy = d.Evaluation is { } ev
                ? new ReconstructedPolicy(ev.PolicyVersion, ev.Release, ev.Execute,
                    JsonSerializer.Deserialize<List<string>>(ev.ReasonCodesJson, WorkbenchJson.Options) ?? [],
                    ev.Queue, ev.ApprovalsRequired, ev.AutonomyStage, d.Trace)
                : null,
            HumanActions = [.. d.Actions.Select(a => new ReconstructedAction(a.Id, a.Reviewer, a.At, a.Kind, a.Note, a.RejectReasonCode,
                a.EditedResponse, a.Question, a.FromQueue, a.TargetQueue, a.RootCause))],
            FinalDecision = c.DecisionJson is null ? null : JsonSerializer.Deserialize<DecisionView>(c.DecisionJson, WorkbenchJson.Options),
            DownstreamOutcomes = outcomes,
            Versions = new ReconstructedVersions(c.PolicyVersion, s.Provenance?.Model, s.Provenance?.PromptVersion,
                s.Provenance?.RetrievalIndexVersion, s.Provenance?.ToolVersions),
            ChainIntact = events.Count > 0 && events.All(e => e.ChainIntact),
            ContentPurged = c.PurgedAt is { } purgedAt ? new ReconstructedPurge(purgedAt, c.RetentionDays, c.PurgedContentSha256) : null,
            Events = events,
            Checkpoint = checkpoint is null ? null : AuditCheckpointView.Of(checkpoint),
            CheckpointIntact = checkpointIntact,
            ExportedAt = time.GetUtcNow(),
        };
    }

    private static async Task<AuditInclusionProof?> ProveAsync(AuditTree tree, ReconstructedEvent e, AuditCheckpointRecord checkpoint, CancellationToken ct)
    {
        try
        {
            var leaf = AuditTree.LeafOf(e.Sequence, e.Hash);
            var path = await tree.InclusionProofAsync(e.Sequence, checkpoint.TreeSize, ct);
            var verified = MerkleTree.VerifyInclusion(e.Sequence - 1, checkpoint.TreeSize, leaf, path, Convert.FromHexString(checkpoint.RootHash));
            return new AuditInclusionProof(checkpoint.TreeSize, e.Sequence - 1, Convert.ToHexStringLower(leaf), [.. path.Select(Convert.ToHexStringLower)], verified);
        }
        catch (AuditTreeException)
        {
            // The log has a gap or an unsealed event before the checkpoint's size: no proof can be made.
            return null;
        }
    }

    private static ReconstructedText Resolve(AuditTextPlace place, AuditTextRecord? t) =>
        t is null ? new ReconstructedText(place.Field, place.Ref, place.Sha256, "missing", null, null)
        : t.PurgedAt is not null && t.Text is null ? new ReconstructedText(place.Field, place.Ref, place.Sha256, "purged", null, t.PurgedAt)
        : AuditTexts.Matches(t, place.Sha256) ? new ReconstructedText(place.Field, place.Ref, place.Sha256, "present", t.Text, null)
        : new ReconstructedText(place.Field, place.Ref, place.Sha256, "altered", null, t.PurgedAt);

    private static JsonElement ParseData(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }
}
