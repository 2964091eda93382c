using Workbench.Contracts;

namespace Workbench.Core.Metrics;

/// <summary>One review action of a four-eyes case, as the disagreement count needs it.</summary>
public sealed record ReviewStep(string Reviewer, ReviewActionKind Kind, DateTimeOffset At);

/// <summary>A decided case that needed two approvals, with its approve / edit / reject actions.</summary>
public sealed record FourEyesCase(DateTimeOffset DecidedAt, IReadOnlyList<ReviewStep> Steps);

/// <summary>
/// Reviewer disagreement from the data Workbench has: the data model holds no blind double reviews, but every
/// four-eyes case is reviewed twice. A case counts as a disagreement when a reviewer rejected or edited what another
/// reviewer had already approved (the second reviewer overturned or changed the first one's approval); an edit
/// approved unchanged by the second reviewer is agreement.
/// </summary>
public static class ReviewerDisagreement
{
    public static bool Disagreed(IReadOnlyList<ReviewStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var approvers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in steps.OrderBy(s => s.At))
        {
            if (s.Kind is ReviewActionKind.Reject or ReviewActionKind.ApproveWithEdits && approvers.Any(a => a != s.Reviewer))
            {
                return true;
            }
            if (s.Kind is ReviewActionKind.Approve or ReviewActionKind.ApproveWithEdits)
            {
                approvers.Add(s.Reviewer);
            }
        }
        return false;
    }

    /// <summary>(disagreements, decided four-eyes cases) per day, oldest first, for the <paramref name="days"/> days ending with <paramref name="lastDay"/> (UTC).</summary>
    public static IReadOnlyList<(int Disagreements, int Decisions)> PerDay(IEnumerable<FourEyesCase> cases, DateOnly lastDay, int days = 7)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var result = new (int Disagreements, int Decisions)[days];
        var first = lastDay.AddDays(1 - days);
        foreach (var c in cases)
        {
            var day = DateOnly.FromDateTime(c.DecidedAt.UtcDateTime).DayNumber - first.DayNumber;
            if (day < 0 || day >= days)
            {
                continue;
            }
            result[day] = (result[day].Disagreements + (Disagreed(c.Steps) ? 1 : 0), result[day].Decisions + 1);
        }
        return result;
    }
}
