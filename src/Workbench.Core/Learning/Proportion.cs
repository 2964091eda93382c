namespace Workbench.Core.Learning;

/// <summary>
/// A rate with its sample: <see cref="Count"/> of <see cref="Total"/>, and the 95 % Wilson score interval.
/// Every rate the Insights page shows is one of these, so a lead never sees "0 %" without "of 3".
/// </summary>
public sealed record Proportion(int Count, int Total, double Lower, double Upper)
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Count / Total, or null when there is no sample.</summary>
    public double? Rate => Total == 0 ? null : (double)Count / Total;

    public static Proportion Of(int count, int total)
    {
        var (lower, upper) = Wilson(count, total);
        return new Proportion(count, total, lower, upper);
    }

    /// <summary>
    /// The Wilson score interval (Wilson 1927): unlike the normal approximation it stays inside [0, 1] and is honest
    /// at 0 of n and n of n, which is exactly where autonomy decisions are made. With no sample the interval is [0, 1].
    /// </summary>
    public static (double Lower, double Upper) Wilson(int count, int total, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, count);
        if (total == 0)
        {
            return (0, 1);
        }
        double n = total;
        var p = count / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        // Exact ends: 0 of n has lower bound 0, n of n has upper bound 1 (rounding would leave 1e-17 otherwise).
        var lower = count == 0 ? 0 : Math.Max(0, centre - half);
        var upper = count == total ? 1 : Math.Min(1, centre + half);
        return (lower, upper);
    }

    public override string ToString() =>
        Rate is { } rate
            ? FormattableString.Invariant($"{rate:P1} ({Count}/{Total}; 95 % CI {Lower:P1}–{Upper:P1})")
            : "no sample";
}
