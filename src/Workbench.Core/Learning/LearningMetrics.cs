using Workbench.Core.Cases;

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

/// <summary>
/// The article's learning metrics, computed from case facts. Pure: the Insights page and the autonomy
/// recommendation read the same numbers, and the unit tests check them against hand-computed fixtures.
/// </summary>
public static class LearningMetrics
{
    public static LearningSnapshot Compute(IEnumerable<CaseFacts> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        int total = 0, escalated = 0;
        int spotReviewed = 0, spotOverridden = 0;
        int escalatedDecided = 0, overEscalated = 0, overridden = 0;
        int reported = 0, incorrect = 0;
        var pairs = new List<(string, string)>();
        var causes = new SortedDictionary<RootCause, int>();
        var downstream = new SortedDictionary<DownstreamOutcome, int>();

        foreach (var c in cases)
        {
            total++;
            var isEscalated = c.Path != PathOutcome.Proceed;
            if (isEscalated)
            {
                escalated++;
            }
            var humanDecision = c.Decision is DecisionKind.Approved or DecisionKind.ApprovedWithEdits or DecisionKind.Rejected;
            var changed = c.Decision is DecisionKind.ApprovedWithEdits or DecisionKind.Rejected;
            if (!isEscalated && c.SpotChecked && humanDecision)
            {
                spotReviewed++;
                if (changed)
                {
                    spotOverridden++;
                }
            }
            if (isEscalated && humanDecision)
            {
                escalatedDecided++;
                if (changed)
                {
                    overridden++;
                }
                if (c.EscalationNecessary == false || c.Decision == DecisionKind.Approved)
                {
                    overEscalated++;
                }
            }
            if (c.Decision is { } first && c.SecondOpinion is { } second)
            {
                pairs.Add((first.ToString(), second.ToString()));
            }
            if (c.RootCause is { } cause)
            {
                causes[cause] = causes.GetValueOrDefault(cause) + 1;
            }
            if (c.Downstream is { } outcome)
            {
                reported++;
                downstream[outcome] = downstream.GetValueOrDefault(outcome) + 1;
                if (outcome != DownstreamOutcome.Correct)
                {
                    incorrect++;
                }
            }
        }

        return new LearningSnapshot(
            total,
            Proportion.Of(escalated, total),
            Proportion.Of(spotOverridden, spotReviewed),
            Proportion.Of(overEscalated, escalatedDecided),
            Proportion.Of(overridden, escalatedDecided),
            CohenKappa.Compute(pairs),
            causes,
            downstream,
            Proportion.Of(incorrect, reported));
    }
}
