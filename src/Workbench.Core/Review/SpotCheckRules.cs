using System.Text.Json;
using Workbench.Contracts;
using Workbench.Core.Cases;
using Workbench.Core.Policy;

namespace Workbench.Core.Review;

/// <summary>
/// A spot check: a proceed case the policy sampled (docs/design.md "The flow of one case"), reviewed after the AI
/// system already has its answer. It is an item of its own beside the case — the case stays <c>auto_approved</c> and
/// nothing here changes it — with its own lease and its own verdict.
/// </summary>
public sealed record SpotCheckItem
{
    public required Guid CaseId { get; init; }
    public required string ExternalId { get; init; }
    /// <summary>The principal that submitted the case: it never checks its own work.</summary>
    public required string ClientId { get; init; }
    public required string Workflow { get; init; }
    public string? Queue { get; init; }
    public required DateTimeOffset SampledAt { get; init; }
    /// <summary>After this, an unreviewed spot check leaves the sample as "not reviewed".</summary>
    public required DateTimeOffset AgesOutAt { get; init; }
    public string? ClaimedBy { get; init; }
    public DateTimeOffset? ClaimExpiresAt { get; init; }
    public SpotCheckVerdict? Verdict { get; init; }
    public string? Reviewer { get; init; }
    public DateTimeOffset? ReviewedAt { get; init; }
    public string? EditedResponse { get; init; }
    public string? EditedParametersJson { get; init; }
    public string? RejectReasonCode { get; init; }
    public RootCause? RootCause { get; init; }
    public string? Note { get; init; }
    public int Revision { get; init; }
}

/// <summary>What a spot-check rule says: refused, or the item after the action with the audit event to write.</summary>
public abstract record SpotCheckOutcome
{
    public sealed record Refused(ReviewRefusal Refusal) : SpotCheckOutcome;

    public sealed record Changed(SpotCheckItem Item, AuditEntry Audit) : SpotCheckOutcome;
}

/// <summary>
/// The rules of a spot check: one reviewer at a time (a lease), a member of the spot-check queue who did not submit
/// the case; one verdict, final; an item that nobody took before it aged out stays "not reviewed". The state is
/// derived from the item and the time (<see cref="StateOf"/>), so nothing has to sweep aged-out items.
/// </summary>
public sealed class SpotCheckRules(CompiledPolicy policy, TimeSpan lease, IReadOnlyDictionary<string, string[]> selfApprovalDeny)
{
    private readonly ReviewRules _review = new(policy, lease, selfApprovalDeny);

    /// <summary>
    /// Reviewed once a verdict is in; in review while a claim runs (a reviewer who took it before it aged out may
    /// finish); not reviewed once aged out; open otherwise.
    /// </summary>
    public static SpotCheckState StateOf(SpotCheckItem s, DateTimeOffset now) => StateOf(s.Verdict, s.ClaimedBy, s.ClaimExpiresAt, s.AgesOutAt, now);

    /// <inheritdoc cref="StateOf(SpotCheckItem, DateTimeOffset)"/>
    public static SpotCheckState StateOf(SpotCheckVerdict? verdict, string? claimedBy, DateTimeOffset? claimExpiresAt, DateTimeOffset agesOutAt,
        DateTimeOffset now) =>
        verdict is not null ? SpotCheckState.Reviewed
        : claimedBy is not null && claimExpiresAt > now ? SpotCheckState.InReview
        : now >= agesOutAt ? SpotCheckState.NotReviewed
        : SpotCheckState.Open;

    public SpotCheckOutcome Claim(SpotCheckItem s, Reviewer who, DateTimeOffset now)
    {
        switch (StateOf(s, now))
        {
            case SpotCheckState.Reviewed:
                return Refuse(ReviewRefusal.Conflict(ProblemTypes.SpotCheckDone, $"{s.Reviewer} already gave this spot check its verdict."));
            case SpotCheckState.NotReviewed:
                return Refuse(ReviewRefusal.Conflict(ProblemTypes.SpotCheckAgedOut,
                    $"This spot check aged out of the sample unreviewed at {s.AgesOutAt:yyyy-MM-dd HH:mm} UTC; it stays 'not reviewed'."));
            case SpotCheckState.InReview when s.ClaimedBy != who.UserName:
                return Refuse(ReviewRefusal.Conflict(ProblemTypes.AlreadyClaimed, $"{s.ClaimedBy} is reviewing this spot check (claim until {s.ClaimExpiresAt:HH:mm} UTC)."));
        }
        if (_review.IsSelfApproval(who.UserName, s.ClientId))
        {
            return Refuse(ReviewRefusal.Forbidden(ProblemTypes.SelfApproval, "The principal that submitted a case, and the people on its self-approval deny list, never spot check it."));
        }
        var after = s with { ClaimedBy = who.UserName, ClaimExpiresAt = now + lease };
        return new SpotCheckOutcome.Changed(after, new AuditEntry(AuditEventTypes.SpotCheckClaimed, who.UserName, who.Role,
            new { s.Queue, LeaseUntil = after.ClaimExpiresAt }));
    }

    public static SpotCheckOutcome Release(SpotCheckItem s, Reviewer who, DateTimeOffset now) =>
        Held(s, who, now) is { } refusal
            ? Refuse(refusal)
            : new SpotCheckOutcome.Changed(s with { ClaimedBy = null, ClaimExpiresAt = null },
                new AuditEntry(AuditEventTypes.SpotCheckReleased, who.UserName, who.Role, new { s.Queue }));

    /// <summary>Each verdict needs its own fields; the root cause follows <see cref="RootCauses.Check"/>.</summary>
    public IDictionary<string, string[]> Validate(SpotCheckVerdictRequest r, string workflow)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Enum.IsDefined(r.Verdict))
        {
            errors["$.verdict"] = ["Must be agree, would_have_edited or would_have_rejected."];
            return errors;
        }
        switch (r.Verdict)
        {
            case SpotCheckVerdict.WouldHaveEdited when string.IsNullOrWhiteSpace(r.EditedResponse) && r.EditedParameters is null:
                errors["$.editedResponse"] = ["Would have edited needs the response or the parameters as you would have released them."];
                break;
            case SpotCheckVerdict.WouldHaveRejected when string.IsNullOrWhiteSpace(r.RejectReasonCode):
                errors["$.rejectReasonCode"] = ["Would have rejected needs a reason code."];
                break;
            case SpotCheckVerdict.WouldHaveRejected when !policy.ReasonCodes.ContainsKey(r.RejectReasonCode!):
                errors["$.rejectReasonCode"] = [$"'{r.RejectReasonCode}' is not a reason code of the active policy."];
                break;
        }
        // Agreeing says nothing went wrong, so there is nothing to classify unless the reviewer wants to.
        if (RootCauses.Check(r.RootCause, required: r.Verdict != SpotCheckVerdict.Agree, policy.AllowsUnknownRootCause(workflow)) is { } problem)
        {
            errors["$.rootCause"] = [problem];
        }
        if (r.EditedResponse is { Length: > 64 * 1024 })
        {
            errors["$.editedResponse"] = ["At most 65536 characters."];
        }
        if (r.Note is { Length: > 4096 })
        {
            errors["$.note"] = ["At most 4096 characters."];
        }
        return errors;
    }

    /// <summary>The claim holder records the verdict, once. The request is expected to have passed <see cref="Validate"/>.</summary>
    public static SpotCheckOutcome Record(SpotCheckItem s, Reviewer who, SpotCheckVerdictRequest r, DateTimeOffset now)
    {
        if (s.Verdict is not null)
        {
            return Refuse(ReviewRefusal.Conflict(ProblemTypes.SpotCheckDone, $"{s.Reviewer} already gave this spot check its verdict."));
        }
        if (Held(s, who, now) is { } refusal)
        {
            return Refuse(refusal);
        }
        var edited = r.Verdict == SpotCheckVerdict.WouldHaveEdited;
        var after = s with
        {
            ClaimedBy = null,
            ClaimExpiresAt = null,
            Verdict = r.Verdict,
            Reviewer = who.UserName,
            ReviewedAt = now,
            EditedResponse = edited ? r.EditedResponse : null,
            EditedParametersJson = edited && r.EditedParameters is not null ? JsonSerializer.Serialize(r.EditedParameters, WorkbenchJson.Options) : null,
            RejectReasonCode = r.Verdict == SpotCheckVerdict.WouldHaveRejected ? r.RejectReasonCode : null,
            RootCause = r.RootCause,
            Note = string.IsNullOrWhiteSpace(r.Note) ? null : r.Note,
        };
        return new SpotCheckOutcome.Changed(after, new AuditEntry(AuditEventTypes.SpotCheckReviewed, who.UserName, who.Role, new
        {
            after.Verdict,
            after.RootCause,
            after.RejectReasonCode,
            Edited = edited,
            Note = AuditFreeText.Of(after.Note),
        }));
    }

    private static ReviewRefusal? Held(SpotCheckItem s, Reviewer who, DateTimeOffset now) =>
        s.ClaimedBy == who.UserName && s.ClaimExpiresAt > now
            ? null
            : ReviewRefusal.Conflict(ProblemTypes.NotClaimHolder, s.ClaimedBy is null || s.ClaimExpiresAt <= now
                ? "Claim the spot check first."
                : $"{s.ClaimedBy} holds the claim on this spot check.");

    private static SpotCheckOutcome.Refused Refuse(ReviewRefusal refusal) => new(refusal);
}
