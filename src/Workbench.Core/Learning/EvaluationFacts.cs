using Workbench.Core.Policy;

namespace Workbench.Core.Learning;

/// <summary>What the autonomy evidence reads from one case's stored policy trace.</summary>
/// <param name="ActionIrreversible">The policy's judgement of the proposed action at evaluation (catalogue or client);
/// null when no action was proposed.</param>
/// <param name="EvidenceInsufficient">A check the policy fired on the case's evidence (missing, stale, conflicting or
/// without an authoritative source) held it.</param>
public sealed record EvaluationFacts(bool? ActionIrreversible, bool EvidenceInsufficient)
{
    public const string IrreversibleGuard = "guard:irreversible-action";
    public const string IrreversibleValue = "action.irreversible";

    /// <summary>
    /// The values of the evidence the policy language reads (docs/policy.md), under their canonical names and aliases:
    /// a rule or guard that fired while reading one of them held the case for its evidence.
    /// </summary>
    private static readonly HashSet<string> EvidenceValues = new(StringComparer.Ordinal)
    {
        "evidence.count", "evidence.authoritative_count", "evidence.authoritative_ratio", "evidence.newest_age_days",
        "evidence.oldest_age_days", "evidence.version_conflicts", "evidence.unlisted_authoritative_count",
        "signals.evidence_count", "signals.authoritative_count", "signals.authoritative_ratio", "signals.newest_evidence_age_days",
        "signals.oldest_evidence_age_days", "signals.version_conflicts", "signals.unlisted_authoritative_count",
    };

    public static EvaluationFacts From(IEnumerable<RuleTrace> trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        bool? irreversible = null;
        var insufficient = false;
        foreach (var rule in trace)
        {
            if (rule.RuleId == IrreversibleGuard)
            {
                irreversible = rule.Values.FirstOrDefault(v => v.Name == IrreversibleValue)?.Value switch
                {
                    "true" => true,
                    "false" => false,
                    _ => null,
                };
            }
            if (rule.Fired && rule.Values.Any(v => EvidenceValues.Contains(v.Name)))
            {
                insufficient = true;
            }
        }
        return new EvaluationFacts(irreversible, insufficient);
    }
}
