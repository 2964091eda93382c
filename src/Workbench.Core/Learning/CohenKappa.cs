namespace Workbench.Core.Learning;

/// <summary>Agreement between two raters beyond chance over the same items.</summary>
/// <param name="Kappa">(po − pe) / (1 − pe); null when there are no pairs, or when chance agreement is certain
/// (both raters always gave the one same label: agreement is total but says nothing about skill).</param>
public sealed record Agreement(int Pairs, double ObservedAgreement, double ExpectedAgreement, double? Kappa);

/// <summary>
/// Cohen's kappa (Cohen 1960) for the blind double reviews: each pair is the first and second reviewer's label
/// (e.g. approve / edit / reject) of one case. Labels are compared ordinally (exact string match).
/// </summary>
public static class CohenKappa
{
    public static Agreement Compute(IEnumerable<(string First, string Second)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var second = new Dictionary<string, int>(StringComparer.Ordinal);
        var n = 0;
        var agreed = 0;
        foreach (var (a, b) in pairs)
        {
            n++;
            if (string.Equals(a, b, StringComparison.Ordinal))
            {
                agreed++;
            }
            first[a] = first.GetValueOrDefault(a) + 1;
            second[b] = second.GetValueOrDefault(b) + 1;
        }
        if (n == 0)
        {
            return new Agreement(0, 0, 0, null);
        }
        double total = n;
        var po = agreed / total;
        var pe = 0.0;
        foreach (var (label, count) in first)
        {
            pe += count / total * (second.GetValueOrDefault(label) / total);
        }
        double? kappa = pe >= 1 - 1e-12 ? null : (po - pe) / (1 - pe);
        return new Agreement(n, po, pe, kappa);
    }
}
