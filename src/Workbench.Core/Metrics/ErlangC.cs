namespace Workbench.Core.Metrics;

/// <summary>A staffing answer: agents needed and what they achieve.</summary>
public sealed record StaffingForecast(int Agents, double Erlangs, double ProbabilityOfWaiting, double ServiceLevel, TimeSpan AverageSpeedOfAnswer);

/// <summary>
/// Erlang C (M/M/N queue): how many reviewers a queue needs so that a share of cases is picked up within a target
/// time, given the arrival rate and the mean handle time.
/// </summary>
/// <remarks>
/// Computed through the Erlang B recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)) and
/// C = N·B / (N − A·(1 − B)): no factorials or powers, so it stays exact for loads of thousands of erlangs where the
/// textbook formula A^N/N! overflows a double.
/// </remarks>
public static class ErlangC
{
    /// <summary>Offered load in erlangs: arrivals per hour × mean handle time in hours.</summary>
    public static double Erlangs(double arrivalsPerHour, TimeSpan handleTime) => arrivalsPerHour * handleTime.TotalHours;

    /// <summary>The probability that a case waits at all (Erlang C); 1 when the agents cannot keep up (N ≤ A).</summary>
    public static double ProbabilityOfWaiting(int agents, double erlangs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agents);
        ArgumentOutOfRangeException.ThrowIfNegative(erlangs);
        if (erlangs == 0)
        {
            return 0;
        }
        if (agents <= erlangs)
        {
            return 1;
        }
        var b = 1.0;
        for (var k = 1; k <= agents; k++)
        {
            b = erlangs * b / (k + erlangs * b);
        }
        return FromErlangB(agents, erlangs, b);
    }

    /// <summary>The share of cases picked up within <paramref name="target"/>: 1 − C·e^(−(N−A)·T/AHT).</summary>
    public static double ServiceLevel(int agents, double erlangs, TimeSpan handleTime, TimeSpan target)
    {
        var c = ProbabilityOfWaiting(agents, erlangs);
        return agents <= erlangs ? 0 : ServiceLevelFrom(c, agents, erlangs, handleTime, target);
    }

    /// <summary>The mean wait before a case is picked up: C·AHT/(N−A).</summary>
    public static TimeSpan AverageSpeedOfAnswer(int agents, double erlangs, TimeSpan handleTime)
    {
        if (agents <= erlangs)
        {
            return TimeSpan.MaxValue;
        }
        return handleTime * (ProbabilityOfWaiting(agents, erlangs) / (agents - erlangs));
    }

    /// <summary>
    /// The fewest agents for which at least <paramref name="targetShare"/> of cases wait no longer than
    /// <paramref name="target"/>. Walks N upwards from ⌊A⌋+1, carrying Erlang B along, so each step costs O(1).
    /// </summary>
    public static StaffingForecast AgentsNeeded(double arrivalsPerHour, TimeSpan handleTime, double targetShare, TimeSpan target)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(arrivalsPerHour);
        if (handleTime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(handleTime), "The handle time must be positive.");
        }
        if (targetShare is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(targetShare), "The service level target is a share between 0 and 1 (exclusive).");
        }
        var a = Erlangs(arrivalsPerHour, handleTime);
        if (a == 0)
        {
            return new StaffingForecast(0, 0, 0, 1, TimeSpan.Zero);
        }
        var b = 1.0;
        var n = 0;
        var start = (int)Math.Floor(a) + 1;
        while (n < start)
        {
            n++;
            b = a * b / (n + a * b);
        }
        while (true)
        {
            var c = FromErlangB(n, a, b);
            var sl = ServiceLevelFrom(c, n, a, handleTime, target);
            if (sl >= targetShare || n > 10_000_000)
            {
                return new StaffingForecast(n, a, c, sl, handleTime * (c / (n - a)));
            }
            n++;
            b = a * b / (n + a * b);
        }
    }

    private static double FromErlangB(int agents, double erlangs, double b) => agents * b / (agents - erlangs * (1 - b));

    private static double ServiceLevelFrom(double c, int agents, double erlangs, TimeSpan handleTime, TimeSpan target) =>
        Math.Clamp(1 - c * Math.Exp(-(agents - erlangs) * (target / handleTime)), 0, 1);
}
