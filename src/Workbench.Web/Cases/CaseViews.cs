using Workbench.Core.Policy;

namespace Workbench.Web.Cases;

/// <summary>How stored cases look on the wire.</summary>
public static class CaseViews
{
    public static string[] ReasonCodesOf(CaseRecord c) => c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>" A B " so that a reason filter is LIKE '% A %' on every provider.</summary>
    public static string JoinReasonCodes(IEnumerable<string> codes) => " " + string.Join(' ', codes) + " ";

    public static CaseView View(CaseRecord c) => new()
    {
        Id = c.Id,
        ExternalId = c.ExternalId,
        Workflow = c.Workflow,
        Status = c.Status,
        RiskTier = c.RiskTier,
        Outcome = new OutcomeView(c.ReleaseOutcome, c.ExecuteOutcome),
        ReasonCodes = ReasonCodesOf(c),
        Queue = c.Queue,
        SlaDueAt = c.SlaDueAt,
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
        Question = c.Status is CaseStatus.AwaitingInfo or CaseStatus.ClarificationRequested ? c.PendingQuestion : null,
        Decision = DecisionOf(c),
        Links = CaseLinks.For(c.Id),
    };

    /// <summary>
    /// The case as the AI system may see it at <paramref name="now"/>: a decision still in its undo window is not
    /// there yet, and the case is in review as it was before it, last changed when it last changed before the
    /// decision (only <see cref="CaseRecord.ReleaseAt"/> says when to look again). Changes the given record, which
    /// must be an untracked read.
    /// </summary>
    public static CaseRecord AsReleased(CaseRecord c, DateTimeOffset now)
    {
        if (IsHeld(c, now))
        {
            c.UpdatedAt = SeenUpdatedAt(c);
            c.Status = CaseStatus.InReview;
            c.Decision = null;
            c.DecidedAt = null;
            c.DecisionJson = null;
        }
        return c;
    }

    /// <summary>
    /// When a case whose decision is held last changed as the AI system sees it: before the decision. (Stored, the
    /// held case's UpdatedAt is its release time, the moment the AI system sees the decision.)
    /// </summary>
    public static DateTimeOffset SeenUpdatedAt(CaseRecord c) =>
        (c.UndoJson is null ? null : JsonSerializer.Deserialize<Core.Review.UndoState>(c.UndoJson, WorkbenchJson.Options))?.SeenUpdatedAt ?? c.CreatedAt;

    /// <summary>
    /// What a change made at <paramref name="now"/> stores as the case's UpdatedAt: a decision held in its undo window
    /// changes the case for the AI system when it is released, so that <c>?updatedSince</c> of a poll made during the
    /// window finds it afterwards.
    /// </summary>
    public static DateTimeOffset UpdatedAtOf(CaseRecord c, DateTimeOffset now) => IsHeld(c, now) ? c.ReleaseAt!.Value : now;

    /// <summary>Whether the case's decision is still in its undo window at <paramref name="now"/>: not yet the AI system's to see.</summary>
    public static bool IsHeld(CaseRecord c, DateTimeOffset now) => c.Status == CaseStatus.Decided && c.ReleaseAt > now;

    /// <summary>The case's status as the AI system sees it at <paramref name="now"/> (see <see cref="AsReleased"/>).</summary>
    public static CaseStatus StatusSeen(CaseRecord c, DateTimeOffset now) => IsHeld(c, now) ? CaseStatus.InReview : c.Status;

    public static DecisionView? DecisionOf(CaseRecord c) =>
        c.DecisionJson is null ? null : JsonSerializer.Deserialize<DecisionView>(c.DecisionJson, WorkbenchJson.Options);

    public static CaseReceipt Receipt(CaseRecord c, PolicyDecision d) => new()
    {
        Id = c.Id,
        ExternalId = c.ExternalId,
        Status = c.Status,
        Outcome = new OutcomeView(d.Release, d.Execute),
        ReasonCodes = d.ReasonCodes,
        Queue = c.Queue,
        Priority = c.Priority,
        SlaDueAt = c.SlaDueAt,
        ApprovalsRequired = c.ApprovalsRequired,
        SpotCheck = d.SpotCheck,
        ClarifyingQuestion = d.ClarifyingQuestion,
        RiskTier = d.RiskTier,
        PolicyVersion = d.PolicyVersion,
        Links = CaseLinks.For(c.Id),
    };
}
