using Workbench.Contracts;

namespace Workbench.Core.Review;

/// <summary>
/// The one rule for the root cause a reviewer gives (article: "for every reviewed case, attach one root cause
/// category"): a class of the article, required where the review decides something, and <c>unknown</c> only where
/// the policy allows it for the workflow.
/// </summary>
public static class RootCauses
{
    /// <summary>The classes a reviewer may pick for a case of a workflow: <c>unknown</c> last, and only where allowed.</summary>
    public static IReadOnlyList<RootCause> Choices(bool allowUnknown) =>
        [.. Enum.GetValues<RootCause>().Where(r => r != RootCause.Unknown || allowUnknown)];

    /// <summary>
    /// The review actions that must carry a root cause: those where the reviewer changed or stopped the proposal, as a
    /// spot check that disagrees must. An approval as proposed, a question and a route may carry one.
    /// </summary>
    public static bool RequiredOn(ReviewActionKind action) => action is ReviewActionKind.ApproveWithEdits or ReviewActionKind.Reject;

    /// <summary>Why the given root cause is not acceptable, or null when it is.</summary>
    /// <param name="required">The reviewer changed or stopped the proposal (<see cref="RequiredOn"/>, or a spot check that disagrees).</param>
    public static string? Check(RootCause? cause, bool required, bool allowUnknown) => cause switch
    {
        null when required => allowUnknown
            ? "A decision needs a root cause: one of the article's classes, or unknown."
            : "A decision needs a root cause: one of the article's classes (this workflow's policy does not accept unknown).",
        null => null,
        { } c when !Enum.IsDefined(c) => "Unknown root cause.",
        RootCause.Unknown when !allowUnknown => "The policy does not accept 'unknown' as the root cause for this workflow; name the class.",
        _ => null,
    };
}
