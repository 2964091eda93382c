using System.Globalization;
using Workbench.Contracts;

namespace Workbench.Core.Learning;

/// <summary>The bars a workflow must clear before its autonomy moves up a stage (configured per deployment).</summary>
/// <param name="MinReviews">Decided reviews needed before any recommendation.</param>
/// <param name="MaxOverrideUpper">The 95 % upper bound of the override rate must be below this.</param>
/// <param name="MaxFalseAutonomyUpper">For sampled → auto: the 95 % upper bound of the false-autonomy rate.</param>
/// <param name="MinEvidenceSufficiency">Share of cases whose evidence was sufficient (no missing-evidence reason).</param>
public sealed record AutonomyThresholds(
    int MinReviews = 200,
    double MaxOverrideUpper = 0.02,
    double MaxFalseAutonomyUpper = 0.01,
    double MinEvidenceSufficiency = 0.95,
    bool RequireReversible = true)
{
    public static AutonomyThresholds Default { get; } = new();
}

/// <summary>What the recommendation is based on, for one workflow.</summary>
/// <param name="Override">Reviewed cases edited or rejected (escalated or spot-checked).</param>
/// <param name="FalseAutonomy">Spot-checked proceed cases a reviewer rejected or edited.</param>
/// <param name="EvidenceSufficient">Cases without a missing- or stale-evidence reason, of all cases.</param>
/// <param name="Reversible">Whether the workflow's actions can be undone (from the policy).</param>
public sealed record AutonomyEvidence(Proportion Override, Proportion FalseAutonomy, Proportion EvidenceSufficient, bool Reversible);

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
            checks.Add(new("reversibility", evidence.Reversible || !t.RequireReversible,
                evidence.Reversible ? "actions can be undone" : "actions cannot be undone"));
        }
        if (next == AutonomyStage.Auto)
        {
            var f = evidence.FalseAutonomy;
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
