using Workbench.Contracts;

namespace Workbench.Core.Learning;

/// <summary>What the learning loop needs to know about one case (one row of the Insights queries).</summary>
/// <param name="Path">The policy's path at intake.</param>
/// <param name="SpotChecked">A proceed case sampled into the spot-check queue.</param>
/// <param name="Decision">The human decision, when a reviewer decided it (spot checks included).</param>
/// <param name="EscalationNecessary">The reviewer's answer to "was escalation necessary?", when given.</param>
/// <param name="SecondOpinion">The blind second reviewer's label of the same case, when it was double-reviewed.</param>
public sealed record CaseFacts(
    Guid CaseId,
    string Workflow,
    PathOutcome Path,
    bool SpotChecked,
    DecisionKind? Decision,
    bool? EscalationNecessary,
    RootCause? RootCause,
    DownstreamOutcome? Downstream,
    DecisionKind? SecondOpinion = null);

/// <summary>The learning metrics of one workflow (or all) over one period.</summary>
/// <param name="Escalation">Cases that did not proceed, of all cases.</param>
/// <param name="FalseAutonomy">Spot-checked proceed cases a reviewer rejected or edited, of those reviewed.</param>
/// <param name="OverEscalation">Reviewed escalated cases marked "escalation not necessary" or approved unchanged,
/// of escalated cases a reviewer decided.</param>
/// <param name="Override">Escalated cases a reviewer edited or rejected, of those a reviewer decided.</param>
/// <param name="Disagreement">Cohen's kappa between the first and the blind second review.</param>
/// <param name="DownstreamIncorrect">Reported outcomes that were not "correct", of all reported.</param>
public sealed record LearningSnapshot(
    int Cases,
    Proportion Escalation,
    Proportion FalseAutonomy,
    Proportion OverEscalation,
    Proportion Override,
    Agreement Disagreement,
    IReadOnlyDictionary<RootCause, int> RootCauses,
    IReadOnlyDictionary<DownstreamOutcome, int> Downstream,
    Proportion DownstreamIncorrect);

/// <summary>The rates of the learning loop; each has a sample (the denominator) and the cases it counts (the numerator).</summary>
public enum LearningMetric
{
    Escalation,
    FalseAutonomy,
    OverEscalation,
    Override,
    DownstreamIncorrect,
    /// <summary>Blind double reviews whose second label differs from the first (the pairs behind kappa).</summary>
    Disagreement,
}

/// <summary>
/// The article's learning metrics, computed from case facts. Pure: the Insights page, its click-through case lists and
/// the autonomy recommendation read the same numbers, and the unit tests check them against hand-computed fixtures.
/// </summary>
public static class LearningMetrics
{
    public static readonly IReadOnlyList<LearningMetric> Rates =
        [LearningMetric.Escalation, LearningMetric.FalseAutonomy, LearningMetric.OverEscalation, LearningMetric.Override, LearningMetric.DownstreamIncorrect];

    /// <summary>The metric's name in URLs: <c>false-autonomy</c>, <c>over-escalation</c>…</summary>
    public static string Slug(LearningMetric m) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(m.ToString());

    public static LearningMetric? FromSlug(string? slug) =>
        Enum.GetValues<LearningMetric>().Cast<LearningMetric?>().FirstOrDefault(m => string.Equals(Slug(m!.Value), slug, StringComparison.Ordinal));

    /// <summary>
    /// Whether a case is in the metric's sample, and whether the metric counts it. The one definition of every rate:
    /// <see cref="Compute"/> and the case lists behind the rates both use it, so a list holds exactly the cases counted.
    /// </summary>
    public static (bool InSample, bool Counted) Member(LearningMetric metric, CaseFacts c)
    {
        var isEscalated = c.Path != PathOutcome.Proceed;
        var humanDecision = c.Decision is DecisionKind.Approved or DecisionKind.ApprovedWithEdits or DecisionKind.Rejected;
        var changed = c.Decision is DecisionKind.ApprovedWithEdits or DecisionKind.Rejected;
        return metric switch
        {
            LearningMetric.Escalation => (true, isEscalated),
            LearningMetric.FalseAutonomy => Of(!isEscalated && c.SpotChecked && humanDecision, changed),
            LearningMetric.OverEscalation => Of(isEscalated && humanDecision, c.EscalationNecessary == false || c.Decision == DecisionKind.Approved),
            LearningMetric.Override => Of(isEscalated && humanDecision, changed),
            LearningMetric.DownstreamIncorrect => Of(c.Downstream is not null, c.Downstream is not DownstreamOutcome.Correct),
            LearningMetric.Disagreement => Of(humanDecision && c.SecondOpinion is not null, c.Decision != c.SecondOpinion),
            _ => throw new ArgumentOutOfRangeException(nameof(metric)),
        };

        static (bool, bool) Of(bool inSample, bool counted) => (inSample, inSample && counted);
    }

    public static LearningSnapshot Compute(IEnumerable<CaseFacts> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var total = 0;
        var sample = new int[Enum.GetValues<LearningMetric>().Length];
        var counted = new int[sample.Length];
        var pairs = new List<(string, string)>();
        var causes = new SortedDictionary<RootCause, int>();
        var downstream = new SortedDictionary<DownstreamOutcome, int>();

        foreach (var c in cases)
        {
            total++;
            foreach (var metric in Rates)
            {
                var (inSample, isCounted) = Member(metric, c);
                sample[(int)metric] += inSample ? 1 : 0;
                counted[(int)metric] += isCounted ? 1 : 0;
            }
            if (Member(LearningMetric.Disagreement, c).InSample)
            {
                pairs.Add((c.Decision!.Value.ToString(), c.SecondOpinion!.Value.ToString()));
            }
            if (c.RootCause is { } cause)
            {
                causes[cause] = causes.GetValueOrDefault(cause) + 1;
            }
            if (c.Downstream is { } outcome)
            {
                downstream[outcome] = downstream.GetValueOrDefault(outcome) + 1;
            }
        }

        Proportion Rate(LearningMetric m) => Proportion.Of(counted[(int)m], sample[(int)m]);
        return new LearningSnapshot(
            total,
            Rate(LearningMetric.Escalation),
            Rate(LearningMetric.FalseAutonomy),
            Rate(LearningMetric.OverEscalation),
            Rate(LearningMetric.Override),
            CohenKappa.Compute(pairs),
            causes,
            downstream,
            Rate(LearningMetric.DownstreamIncorrect));
    }
}
