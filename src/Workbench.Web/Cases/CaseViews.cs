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
    /// there yet, and the case is in review as it was before it (only <see cref="CaseRecord.ReleaseAt"/> says when
    /// to look again). Changes the given record, which must be an untracked read.
    /// </summary>
    public static CaseRecord AsReleased(CaseRecord c, DateTimeOffset now)
    {
        if (c.Status == CaseStatus.Decided && c.ReleaseAt > now)
        {
            c.Status = CaseStatus.InReview;
            c.Decision = null;
            c.DecidedAt = null;
            c.DecisionJson = null;
        }
        return c;
    }

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
