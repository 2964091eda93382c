using System.Globalization;
using Workbench.Contracts;

namespace Workbench.Core.Learning;

/// <summary>The bars a workflow must clear before its autonomy moves up a stage (configured per deployment).</summary>
/// <param name="MinReviews">Decided reviews needed before any recommendation.</param>
/// <param name="MaxOverrideUpper">The 95 % upper bound of the override rate must be below this.</param>
/// <param name="MaxFalseAutonomyUpper">For sampled → auto: the 95 % upper bound of the false-autonomy rate.</param>
/// <param name="MinEvidenceSufficiency">Share of cases whose evidence was sufficient (no policy check on missing, stale
/// or conflicting evidence held them).</param>
/// <param name="MinSpotChecks">For sampled → auto: reviewed spot checks needed before any recommendation.</param>
public sealed record AutonomyThresholds(
    int MinReviews = 200,
    double MaxOverrideUpper = 0.02,
    double MaxFalseAutonomyUpper = 0.01,
    double MinEvidenceSufficiency = 0.95,
    bool RequireReversible = true,
    int MinSpotChecks = 100)
{
    public static AutonomyThresholds Default { get; } = new();
}

/// <summary>What the recommendation is based on, for one workflow.</summary>
/// <param name="Override">Cases a person reviewed (decided, or spot-checked) that the person edited or rejected (or would
/// have): automatic approvals are never in it.</param>
/// <param name="FalseAutonomy">Spot checks a reviewer gave a verdict that said "would have edited" or "would have rejected".</param>
/// <param name="EvidenceSufficient">Cases no policy check on missing, stale or conflicting evidence held, of all cases.</param>
/// <param name="IrreversibleActions">Cases whose proposed action the policy judged irreversible at evaluation, of the cases
/// that proposed an action.</param>
public sealed record AutonomyEvidence(Proportion Override, Proportion FalseAutonomy, Proportion EvidenceSufficient, Proportion IrreversibleActions)
{
    /// <summary>No proposed action of the workflow was judged irreversible.</summary>
    public bool Reversible => IrreversibleActions.Count == 0;
}

public sealed record AutonomyCheck(string Name, bool Passed, string Evidence);

/// <param name="Next">The next stage, or null at <see cref="AutonomyStage.Auto"/>.</param>
/// <param name="Ready">Every check for the next stage passed.</param>
/// <param name="Summary">One line for the lead, e.g. "ready for sampled: 0 overrides in 412 reviews, upper bound 0.9 %".</param>
public sealed record AutonomyRecommendation(AutonomyStage Current, AutonomyStage? Next, bool Ready, IReadOnlyList<AutonomyCheck> Checks, string Summary);

/// <summary>
/// Staged autonomy (recommend_only → approve_all → sampled → auto): a workflow earns the next stage with evidence,
/// judged on the upper bound of the 95 % interval, never on the point estimate — 0 overrides in 12 reviews is not
/// 0 %, it is "up to 24 %".
/// </summary>
public static class AutonomyReadiness
{
    public static AutonomyRecommendation Recommend(AutonomyStage current, AutonomyEvidence evidence, AutonomyThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var t = thresholds ?? AutonomyThresholds.Default;
        AutonomyStage? next = current switch
        {
            AutonomyStage.RecommendOnly => AutonomyStage.ApproveAll,
            AutonomyStage.ApproveAll => AutonomyStage.Sampled,
            AutonomyStage.Sampled => AutonomyStage.Auto,
            _ => null,
        };
        if (next is null)
        {
            return new AutonomyRecommendation(current, null, false, [], "fully autonomous: no further stage");
        }

        var o = evidence.Override;
        var checks = new List<AutonomyCheck>
        {
            new("enough reviews", o.Total >= t.MinReviews,
                Invariant($"{o.Total} reviews (needs {t.MinReviews})")),
            new("override rate", o.Total > 0 && o.Upper < t.MaxOverrideUpper,
                Invariant($"{Plural(o.Count, "override")} in {o.Total} reviews, upper bound {Percent(o.Upper)} (needs < {Percent(t.MaxOverrideUpper)})")),
            new("evidence sufficiency", evidence.EvidenceSufficient.Total > 0 && evidence.EvidenceSufficient.Rate >= t.MinEvidenceSufficiency,
                Invariant($"{Percent(evidence.EvidenceSufficient.Rate ?? 0)} of {evidence.EvidenceSufficient.Total} cases had sufficient evidence (needs ≥ {Percent(t.MinEvidenceSufficiency)})")),
        };
        if (next is AutonomyStage.Sampled or AutonomyStage.Auto)
        {
            var irreversible = evidence.IrreversibleActions;
            checks.Add(new("reversibility", evidence.Reversible || !t.RequireReversible,
                irreversible.Total == 0 ? "no action proposed"
                : evidence.Reversible ? Invariant($"all {irreversible.Total} proposed actions can be undone")
                : Invariant($"{irreversible.Count} of {irreversible.Total} proposed actions cannot be undone (the policy's judgement at evaluation)")));
        }
        if (next == AutonomyStage.Auto)
        {
            var f = evidence.FalseAutonomy;
            if (f.Total < t.MinSpotChecks)
            {
                // Below the bar the false-autonomy rate says nothing yet: no recommendation either way.
                checks.Add(new("spot-check sample", false, Invariant($"{f.Total} reviewed spot checks (needs {t.MinSpotChecks})")));
                return new AutonomyRecommendation(current, next, false, checks,
                    Invariant($"no recommendation for auto yet: {f.Total} of the {t.MinSpotChecks} reviewed spot checks needed"));
            }
            checks.Add(new("spot-check sample", true, Invariant($"{f.Total} reviewed spot checks (needs {t.MinSpotChecks})")));
            checks.Add(new("false autonomy", f.Total > 0 && f.Upper < t.MaxFalseAutonomyUpper,
                Invariant($"{Plural(f.Count, "wrong auto decision")} in {f.Total} spot checks, upper bound {Percent(f.Upper)} (needs < {Percent(t.MaxFalseAutonomyUpper)})")));
        }

        var ready = checks.TrueForAll(c => c.Passed);
        var stage = StageName(next.Value);
        var summary = ready
            ? Invariant($"ready for {stage}: {Plural(o.Count, "override")} in {o.Total} reviews, upper bound {Percent(o.Upper)}")
            : $"not yet ready for {stage}: " + string.Join("; ", checks.Where(c => !c.Passed).Select(c => c.Evidence));
        return new AutonomyRecommendation(current, next, ready, checks, summary);
    }

    public static string StageName(AutonomyStage stage) => stage switch
    {
        AutonomyStage.RecommendOnly => "recommend_only",
        AutonomyStage.ApproveAll => "approve_all",
        AutonomyStage.Sampled => "sampled",
        _ => "auto",
    };

    private static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
