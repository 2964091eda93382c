namespace Workbench.Core.Review;

/// <summary>One line of a line diff, with its number in the text before and after (null where it does not exist).</summary>
public sealed record DiffLine(DiffKind Kind, string Text, int? BeforeLine, int? AfterLine);

/// <summary>
/// Line diff (longest common subsequence) between two versions of a text — used for policy versions, where a
/// change is read line by line. Common leading and trailing lines are trimmed before the quadratic table, so two
/// versions of a long policy that differ in a few lines cost almost nothing.
/// </summary>
public static class LineDiff
{
    /// <summary>Above this many differing lines on each side the middle is shown as deleted then inserted.</summary>
    public const int MaxTableLines = 4000;

    public static IReadOnlyList<DiffLine> Compute(string before, string after)
    {
        var a = Split(before);
        var b = Split(after);
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }
        var result = new List<DiffLine>(Math.Max(a.Length, b.Length) + 8);
        for (var i = 0; i < prefix; i++)
        {
            result.Add(new DiffLine(DiffKind.Equal, a[i], i + 1, i + 1));
        }
        int n = a.Length - prefix - suffix, m = b.Length - prefix - suffix;
        if (n > MaxTableLines || m > MaxTableLines)
        {
            for (var i = 0; i < n; i++)
            {
                result.Add(new DiffLine(DiffKind.Deleted, a[prefix + i], prefix + i + 1, null));
            }
            for (var j = 0; j < m; j++)
            {
                result.Add(new DiffLine(DiffKind.Inserted, b[prefix + j], null, prefix + j + 1));
            }
        }
        else
        {
            // lcs[i, j] = length of the LCS of a[prefix + i ..] and b[prefix + j ..] (middle part only).
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
            {
                for (var j = m - 1; j >= 0; j--)
                {
                    lcs[i, j] = a[prefix + i] == b[prefix + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }
            int x = 0, y = 0;
            while (x < n || y < m)
            {
                if (x < n && y < m && a[prefix + x] == b[prefix + y])
                {
                    result.Add(new DiffLine(DiffKind.Equal, a[prefix + x], prefix + x + 1, prefix + y + 1));
                    x++;
                    y++;
                }
                else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
                {
                    result.Add(new DiffLine(DiffKind.Deleted, a[prefix + x], prefix + x + 1, null));
                    x++;
                }
                else
                {
                    result.Add(new DiffLine(DiffKind.Inserted, b[prefix + y], null, prefix + y + 1));
                    y++;
                }
            }
        }
        for (var k = 0; k < suffix; k++)
        {
            var i = a.Length - suffix + k;
            var j = b.Length - suffix + k;
            result.Add(new DiffLine(DiffKind.Equal, a[i], i + 1, j + 1));
        }
        return result;
    }

    private static string[] Split(string text) =>
        string.IsNullOrEmpty(text) ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
}
