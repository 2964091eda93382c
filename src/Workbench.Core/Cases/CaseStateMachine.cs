using Workbench.Contracts;

namespace Workbench.Core.Cases;

/// <summary>What happens to a case. Each trigger is legal only from some statuses.</summary>
public enum CaseTrigger
{
    /// <summary>A reviewer takes the lease.</summary>
    Claim,
    /// <summary>The claim holder gives the case back.</summary>
    Release,
    /// <summary>The lease ran out without an action.</summary>
    LeaseExpired,
    /// <summary>A four-eyes approval that is not yet the last one: the case goes back for the next reviewer.</summary>
    RecordApproval,
    /// <summary>The final decision: approved, approved with edits or rejected.</summary>
    Decide,
    /// <summary>The reviewer asks the AI system for more information.</summary>
    RequestInfo,
    /// <summary>The AI system answers a request for info (or the intake clarifying question).</summary>
    ReceiveReply,
    /// <summary>The reviewer sends the case to another queue; it stays queued there.</summary>
    Route,
    /// <summary>The AI system no longer needs a decision.</summary>
    Withdraw,
    /// <summary>The hard timeout passed; the workflow's default decision applies.</summary>
    Expire,
    /// <summary>
    /// The reviewer who decided takes the decision back within its undo window, before it reached the AI system:
    /// the case is in review again, claimed by him. After the window a decided case is terminal.
    /// </summary>
    UndoDecision,
}

/// <summary>
/// The one place where case transitions live (docs/design.md "Case statuses"). An illegal transition is never a
/// silent no-op: <see cref="Apply"/> throws <see cref="IllegalTransitionException"/>, which the API maps to 409.
/// </summary>
public static class CaseStateMachine
{
    private static readonly Dictionary<(CaseStatus From, CaseTrigger Trigger), CaseStatus> Table = new()
    {
        [(CaseStatus.Queued, CaseTrigger.Claim)] = CaseStatus.InReview,
        [(CaseStatus.Queued, CaseTrigger.Withdraw)] = CaseStatus.Withdrawn,
        [(CaseStatus.Queued, CaseTrigger.Expire)] = CaseStatus.Expired,

        [(CaseStatus.InReview, CaseTrigger.Release)] = CaseStatus.Queued,
        [(CaseStatus.InReview, CaseTrigger.LeaseExpired)] = CaseStatus.Queued,
        [(CaseStatus.InReview, CaseTrigger.RecordApproval)] = CaseStatus.Queued,
        [(CaseStatus.InReview, CaseTrigger.Decide)] = CaseStatus.Decided,
        [(CaseStatus.InReview, CaseTrigger.RequestInfo)] = CaseStatus.AwaitingInfo,
        [(CaseStatus.InReview, CaseTrigger.Route)] = CaseStatus.Queued,
        [(CaseStatus.InReview, CaseTrigger.Withdraw)] = CaseStatus.Withdrawn,
        [(CaseStatus.InReview, CaseTrigger.Expire)] = CaseStatus.Expired,

        [(CaseStatus.Decided, CaseTrigger.UndoDecision)] = CaseStatus.InReview,

        [(CaseStatus.AwaitingInfo, CaseTrigger.ReceiveReply)] = CaseStatus.Queued,
        [(CaseStatus.AwaitingInfo, CaseTrigger.Withdraw)] = CaseStatus.Withdrawn,
        [(CaseStatus.AwaitingInfo, CaseTrigger.Expire)] = CaseStatus.Expired,

        // The question asked at intake: the AI system's answer puts the case in front of a reviewer.
        [(CaseStatus.ClarificationRequested, CaseTrigger.ReceiveReply)] = CaseStatus.Queued,
        [(CaseStatus.ClarificationRequested, CaseTrigger.Withdraw)] = CaseStatus.Withdrawn,
        [(CaseStatus.ClarificationRequested, CaseTrigger.Expire)] = CaseStatus.Expired,
    };

    /// <summary>Every legal transition, for documentation and exhaustive tests.</summary>
    public static IReadOnlyCollection<(CaseStatus From, CaseTrigger Trigger, CaseStatus To)> Transitions { get; } =
        Table.Select(t => (t.Key.From, t.Key.Trigger, t.Value)).ToArray();

    /// <summary>Statuses from which nothing moves a case any more.</summary>
    public static bool IsTerminal(CaseStatus status) =>
        status is CaseStatus.Decided or CaseStatus.AutoApproved or CaseStatus.Withdrawn or CaseStatus.Expired;

    /// <summary>Cases that wait for a human (counted in queue depth).</summary>
    public static bool IsOpen(CaseStatus status) =>
        status is CaseStatus.Queued or CaseStatus.InReview or CaseStatus.AwaitingInfo;

    public static bool CanApply(CaseStatus from, CaseTrigger trigger) => Table.ContainsKey((from, trigger));

    public static CaseStatus Apply(CaseStatus from, CaseTrigger trigger) =>
        Table.TryGetValue((from, trigger), out var to) ? to : throw new IllegalTransitionException(from, trigger);

    /// <summary>The status a new case starts in, from the most severe of its release and execute outcomes.</summary>
    public static CaseStatus InitialStatus(PathOutcome release, PathOutcome execute)
    {
        var worst = (PathOutcome)Math.Max((int)release, (int)execute);
        return worst switch
        {
            PathOutcome.Proceed => CaseStatus.AutoApproved,
            PathOutcome.Clarify => CaseStatus.ClarificationRequested,
            _ => CaseStatus.Queued,
        };
    }
}

/// <summary>Base of the domain's refusals; each maps to one problem type.</summary>
public abstract class DomainException(string type, string message) : Exception(message)
{
    /// <summary>The stable problem type suffix, e.g. "illegal-transition".</summary>
    public string ProblemType { get; } = type;
}

public sealed class IllegalTransitionException(CaseStatus from, CaseTrigger trigger)
    : DomainException("illegal-transition", $"A case that is {Describe(from)} cannot be {Describe(trigger)}.")
{
    public CaseStatus From { get; } = from;
    public CaseTrigger Trigger { get; } = trigger;

    private static string Describe(CaseStatus s) => s switch
    {
        CaseStatus.Queued => "queued",
        CaseStatus.InReview => "in review",
        CaseStatus.Decided => "decided",
        CaseStatus.AwaitingInfo => "awaiting info",
        CaseStatus.AutoApproved => "auto-approved",
        CaseStatus.ClarificationRequested => "waiting for a clarification",
        CaseStatus.Withdrawn => "withdrawn",
        CaseStatus.Expired => "expired",
        _ => s.ToString(),
    };

    private static string Describe(CaseTrigger t) => t switch
    {
        CaseTrigger.Claim => "claimed",
        CaseTrigger.Release => "released",
        CaseTrigger.LeaseExpired => "returned for an expired lease",
        CaseTrigger.RecordApproval => "approved",
        CaseTrigger.Decide => "decided",
        CaseTrigger.RequestInfo => "sent back for information",
        CaseTrigger.ReceiveReply => "given a reply",
        CaseTrigger.Route => "routed",
        CaseTrigger.Withdraw => "withdrawn",
        CaseTrigger.Expire => "expired",
        CaseTrigger.UndoDecision => "taken back to review",
        _ => t.ToString(),
    };
}
