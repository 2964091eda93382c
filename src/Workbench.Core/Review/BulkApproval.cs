using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Core.Review;

/// <summary>
/// Which cases a lead may approve together from the queue: tier 0 or 1 (the case's tier and the tool's), with no
/// action to execute (the approval sends the proposed response) or an action the business's catalogue knows and calls
/// reversible. The facts are the policy engine's
/// (<see cref="ActionFacts"/>, the same ones <see cref="ApprovalGate"/> restates), never the AI system's word: a refund
/// sent as reversible is irreversible here as in the catalogue. Every other case is approved one at a time, on its page.
/// </summary>
public static class BulkApproval
{
    public const int MaxTier = 1;

    /// <summary>Why the case may not be approved in bulk, in words for the lead; null when it may.</summary>
    public static string? Refusal(CompiledPolicy policy, CaseSubmission submission, int caseTier)
    {
        var facts = ActionFacts.Of(submission, policy.Actions, policy.Workflows);
        if (!facts.Present)
        {
            return NotLowTier(caseTier);
        }
        if (!facts.Catalogued)
        {
            return $"The tool {facts.Tool} is not in the action catalogue: open the case to approve it.";
        }
        if (facts.Irreversible)
        {
            var title = facts.Definition!.Title is { } t ? $"{t} ({facts.Tool})" : facts.Tool;
            return $"{title} is irreversible: open the case to confirm it.";
        }
        if (facts.ToolTier > MaxTier)
        {
            return $"The tool {facts.Tool} is tier {facts.ToolTier}: open the case to approve it.";
        }
        return NotLowTier(caseTier);
    }

    // The action's facts are said first: "irreversible" tells the lead more than the tier it makes the case.
    private static string? NotLowTier(int caseTier) => caseTier > MaxTier
        ? $"Tier {caseTier}: only tier 0 and 1 cases are approved together; open the case to approve it."
        : null;
}
