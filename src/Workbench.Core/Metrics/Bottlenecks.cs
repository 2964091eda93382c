namespace Workbench.Core.Metrics;

/// <summary>A bottleneck the board shows a lead: what, where, and the numbers behind it.</summary>
public sealed record BottleneckAlert(string Rule, string? Queue, string Title, string Evidence);

/// <summary>
/// The board's bottleneck rules: pure functions over counts the board queries, each with its threshold in one
/// place. A rule returns null when it does not fire.
/// </summary>
public static class Bottlenecks
{
    /// <summary>Arrivals above completions for the last full hour (and at least <paramref name="minimumArrivals"/>): the queue grows.</summary>
    public static BottleneckAlert? ArrivalsExceedCompletions(string queue, int arrivalsLastHour, int completionsLastHour, int minimumArrivals = 3)
        => arrivalsLastHour >= minimumArrivals && arrivalsLastHour > completionsLastHour
            ? new BottleneckAlert("arrivals_exceed_completions", queue, $"{queue} is growing",
                $"{arrivalsLastHour} arrived and {completionsLastHour} were completed in the last hour.")
            : null;

    /// <summary>One reason code behind more than half of a queue's arrivals over the week (with a minimum sample).</summary>
    public static BottleneckAlert? DominantReasonCode(string queue, int arrivalsThisWeek, IReadOnlyDictionary<string, int> reasonCounts, int minimumArrivals = 10)
    {
        if (arrivalsThisWeek < minimumArrivals || reasonCounts.Count == 0)
        {
            return null;
        }
        var (code, count) = reasonCounts.MaxBy(kv => kv.Value);
        return count * 2 > arrivalsThisWeek
            ? new BottleneckAlert("dominant_reason_code", queue, $"{code} drives {queue}",
                $"{count} of {arrivalsThisWeek} arrivals this week ({Percent(count, arrivalsThisWeek)}) carry {code}: fix the cause upstream.")
            : null;
    }

    /// <summary>One specialist queue holds most of the open exceptions (more than half, with a minimum).</summary>
    public static BottleneckAlert? ExceptionsPileUp(IReadOnlyDictionary<string, int> openBySpecialistQueue, int minimumOpen = 10)
    {
        var total = openBySpecialistQueue.Values.Sum();
        if (total < minimumOpen)
        {
            return null;
        }
        var (queue, open) = openBySpecialistQueue.MaxBy(kv => kv.Value);
        return open * 2 > total
            ? new BottleneckAlert("exceptions_pile_up", queue, $"{queue} holds most exceptions",
                $"{open} of {total} open exceptions ({Percent(open, total)}) wait in {queue}.")
            : null;
    }

    /// <summary>
    /// Arrivals per hour since a policy publish at least twice the hourly rate of the day before (with a minimum):
    /// the new version escalates more than the old one.
    /// </summary>
    public static BottleneckAlert? SpikeAfterPublish(string policyVersion, double hourlyBefore, double hourlyAfter, double minimumAfter = 5)
        => hourlyAfter >= minimumAfter && hourlyAfter >= 2 * hourlyBefore
            ? new BottleneckAlert("spike_after_publish", null, $"Escalations up since policy {policyVersion}",
                $"{hourlyAfter:0.#} cases an hour since the publish, against {hourlyBefore:0.#} an hour the day before.")
            : null;

    /// <summary>
    /// Reviewer disagreement (a second reviewer rejecting or editing what a first approved, per decided four-eyes case,
    /// see <see cref="ReviewerDisagreement"/>) rising:
    /// the last three days' rate at least 1.5× the four days before and at least 10 %.
    /// </summary>
    public static BottleneckAlert? DisagreementRising(IReadOnlyList<(int Disagreements, int Decisions)> lastSevenDays)
    {
        if (lastSevenDays.Count != 7)
        {
            throw new ArgumentException("Seven days, oldest first.", nameof(lastSevenDays));
        }
        static double Rate(IEnumerable<(int D, int N)> days)
        {
            var (d, n) = days.Aggregate((0, 0), (a, x) => (a.Item1 + x.D, a.Item2 + x.N));
            return n == 0 ? 0 : (double)d / n;
        }
        var before = Rate(lastSevenDays.Take(4));
        var recent = Rate(lastSevenDays.Skip(4));
        var recentDecisions = lastSevenDays.Skip(4).Sum(x => x.Decisions);
        return recentDecisions >= 5 && recent >= 0.10 && recent >= 1.5 * before && recent > before
            ? new BottleneckAlert("disagreement_rising", null, "Reviewers disagree more",
                $"{recent * 100:0} % of four-eyes decisions in the last three days had a second reviewer reject or edit what the first approved, against {before * 100:0} % the four days before.")
            : null;
    }

    private static string Percent(int part, int whole) => $"{100.0 * part / whole:0} %";
}
