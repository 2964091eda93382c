using Workbench.Contracts;

namespace Workbench.Core.Learning;

/// <summary>What the learning loop needs to know about one case (one row of the Insights queries).</summary>
/// <param name="Path">The policy's path at intake.</param>
/// <param name="SpotChecked">A proceed case sampled into the spot-check queue.</param>
/// <param name="Decision">The decision a person made; null for an automatic approval (the policy let it proceed) and for
/// an expiry, so that no rate can count what nobody reviewed.</param>
/// <param name="EscalationNecessary">The reviewer's answer to "was escalation necessary?", when given.</param>
/// <param name="SecondOpinion">The blind second reviewer's label of the same case, when it was double-reviewed.</param>
/// <param name="SpotCheck">Where the spot check of a sampled proceed case is (null when it was not sampled).</param>
/// <param name="Verdict">The spot-check reviewer's verdict, once given.</param>
public sealed record CaseFacts(
    Guid CaseId,
    string Workflow,
    PathOutcome Path,
    bool SpotChecked,
    DecisionKind? Decision,
    bool? EscalationNecessary,
    RootCause? RootCause,
    DownstreamOutcome? Downstream,
    DecisionKind? SecondOpinion = null,
    SpotCheckState? SpotCheck = null,
    SpotCheckVerdict? Verdict = null)
{
    /// <summary>A person decided the case (approve, edit, reject) — never the policy, never a timeout.</summary>
    public bool HumanDecision => Decision is DecisionKind.Approved or DecisionKind.ApprovedWithEdits or DecisionKind.Rejected;

    /// <summary>A person gave the sampled proceed case its spot-check verdict.</summary>
    public bool SpotCheckReviewed => Path == PathOutcome.Proceed && Verdict is not null;

    /// <summary>The policy let the case proceed on its own: the AI system got an automatic approval.</summary>
    public bool AutoApproved => Path == PathOutcome.Proceed;
}

/// <summary>The spot checks of a period: what was sampled and how much of it a person actually reviewed.</summary>
/// <param name="Open">Waiting for or held by a reviewer.</param>
/// <param name="NotReviewed">Aged out of the sample unreviewed: never counted as agreement.</param>
public sealed record SpotCheckTally(int Sampled, int Reviewed, int Open, int NotReviewed);

/// <summary>The learning metrics of one workflow (or all) over one period.</summary>
/// <param name="Escalation">Cases that did not proceed, of all cases.</param>
/// <param name="FalseAutonomy">Spot-checked proceed cases a reviewer would have edited or rejected, of the spot checks a
/// reviewer gave a verdict (open and aged-out ones are not in the sample).</param>
/// <param name="OverEscalation">Reviewed escalated cases marked "escalation not necessary" or approved unchanged,
/// of escalated cases a reviewer decided.</param>
/// <param name="Override">Escalated cases a reviewer edited or rejected, of those a reviewer decided.</param>
/// <param name="Disagreement">Cohen's kappa between the first and the blind second review.</param>
/// <param name="DownstreamIncorrect">Reported outcomes that were not "correct", of all reported.</param>
/// <param name="Reviewed">Cases a person reviewed (decided, or gave a spot-check verdict) that the person changed or
/// stopped (edited, rejected, would have edited or rejected): the override rate the autonomy recommendation reads.</param>
/// <param name="HumanDecided">Cases a person decided (approve, edit, reject).</param>
/// <param name="AutoApproved">Cases the policy let proceed on its own: counted here, in no rate but the escalation rate.</param>
public sealed record LearningSnapshot(
    int Cases,
    Proportion Escalation,
    Proportion FalseAutonomy,
    Proportion OverEscalation,
    Proportion Override,
    Agreement Disagreement,
    IReadOnlyDictionary<RootCause, int> RootCauses,
    IReadOnlyDictionary<DownstreamOutcome, int> Downstream,
    Proportion DownstreamIncorrect,
    Proportion Reviewed,
    int HumanDecided,
    int AutoApproved,
    SpotCheckTally SpotChecks);

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
    /// <summary>Cases a person reviewed (decided or spot-checked) and changed or stopped: what autonomy rests on.</summary>
    Reviewed,
}

/// <summary>
/// The article's learning metrics, computed from case facts. Pure: the Insights page, its click-through case lists and
/// the autonomy recommendation read the same numbers, and the unit tests check them against hand-computed fixtures.
/// </summary>
public static class LearningMetrics
{
    public static readonly IReadOnlyList<LearningMetric> Rates =
        [LearningMetric.Escalation, LearningMetric.FalseAutonomy, LearningMetric.OverEscalation, LearningMetric.Override, LearningMetric.DownstreamIncorrect,
            LearningMetric.Reviewed];

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
        // Only what a person did: an automatic approval carries the policy's "approved", which is no one's verdict.
        var humanDecision = isEscalated && c.HumanDecision;
        var changed = c.Decision is DecisionKind.ApprovedWithEdits or DecisionKind.Rejected;
        var wouldHaveChanged = c.Verdict is SpotCheckVerdict.WouldHaveEdited or SpotCheckVerdict.WouldHaveRejected;
        return metric switch
        {
            LearningMetric.Escalation => (true, isEscalated),
            LearningMetric.FalseAutonomy => Of(c.SpotCheckReviewed, wouldHaveChanged),
            LearningMetric.OverEscalation => Of(humanDecision, c.EscalationNecessary == false || c.Decision == DecisionKind.Approved),
            LearningMetric.Override => Of(humanDecision, changed),
            LearningMetric.Reviewed => Of(humanDecision || c.SpotCheckReviewed, humanDecision ? changed : wouldHaveChanged),
            LearningMetric.DownstreamIncorrect => Of(c.Downstream is not null, c.Downstream is not DownstreamOutcome.Correct),
            LearningMetric.Disagreement => Of(c.HumanDecision && c.SecondOpinion is not null, c.Decision != c.SecondOpinion),
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
        int humanDecided = 0, autoApproved = 0, sampled = 0, spotReviewed = 0, spotOpen = 0, notReviewed = 0;

        foreach (var c in cases)
        {
            total++;
            humanDecided += c.HumanDecision && !c.AutoApproved ? 1 : 0;
            autoApproved += c.AutoApproved ? 1 : 0;
            if (c.SpotChecked && c.AutoApproved)
            {
                sampled++;
                spotReviewed += c.SpotCheckReviewed ? 1 : 0;
                spotOpen += c.SpotCheck is SpotCheckState.Open or SpotCheckState.InReview ? 1 : 0;
                notReviewed += c.SpotCheck == SpotCheckState.NotReviewed ? 1 : 0;
            }
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
            Rate(LearningMetric.DownstreamIncorrect),
            Rate(LearningMetric.Reviewed),
            humanDecided,
            autoApproved,
            new SpotCheckTally(sampled, spotReviewed, spotOpen, notReviewed));
    }
}
