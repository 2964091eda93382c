using System.Buffers;
using System.Globalization;
using System.Text;

namespace Workbench.Core.Review;

public enum DiffKind
{
    Equal,
    Inserted,
    Deleted,
}

/// <summary>One run of text: Equal + Deleted runs spell the text before, Equal + Inserted runs the text after.</summary>
public sealed record DiffSegment(DiffKind Kind, string Text);

/// <summary>
/// Word-level diff between the model's proposal and the reviewer's edited text, stored with every
/// "approve with edits" and shown highlighted. Tokens are words (letters, digits, marks, '_'), runs of
/// whitespace, line breaks, and single other characters, so nothing between words is lost: the diff is exact.
/// </summary>
public static class WordDiff
{
    // Myers keeps one V-array slice per edit step to walk back the path: (D + 1)^2 ints at most.
    // Beyond these bounds the word diff is not worth its memory and time; the text is diffed by lines instead,
    // and past that only the common prefix and suffix are kept. All three are exact.
    internal const int MaxEditDistance = 2_000;
    internal const long MaxWork = 20_000_000;

    public static IReadOnlyList<DiffSegment> Compute(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Length == 0 && after.Length == 0)
        {
            return [];
        }

        var ops = DiffTokens(Tokenize(before), Tokenize(after), allowLineFallback: true);
        return Build(ops);
    }

    /// <summary>Words inserted and deleted (word tokens inside Inserted and Deleted segments).</summary>
    public static (int Inserted, int Deleted) Summary(IEnumerable<DiffSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var inserted = 0;
        var deleted = 0;
        foreach (var segment in segments)
        {
            if (segment.Kind == DiffKind.Inserted)
            {
                inserted += CountWords(segment.Text);
            }
            else if (segment.Kind == DiffKind.Deleted)
            {
                deleted += CountWords(segment.Text);
            }
        }
        return (inserted, deleted);
    }

    internal static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        for (var i = 0; i < text.Length;)
        {
            var (kind, length) = Classify(text, i);
            if (kind == TokenKind.Word && !inWord)
            {
                count++;
            }
            inWord = kind == TokenKind.Word;
            i += length;
        }
        return count;
    }

    internal enum TokenKind
    {
        Word,
        Space,
        LineBreak,
        Other,
    }

    internal static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var (kind, length) = Classify(text, i);
            i += length;
            if (kind is TokenKind.Word or TokenKind.Space)
            {
                while (i < text.Length)
                {
                    var (next, nextLength) = Classify(text, i);
                    if (next != kind)
                    {
                        break;
                    }
                    i += nextLength;
                }
            }
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    internal static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return lines;
    }

    private static (TokenKind Kind, int Length) Classify(string text, int index)
    {
        var c = text[index];
        if (c == '\r')
        {
            return (TokenKind.LineBreak, index + 1 < text.Length && text[index + 1] == '\n' ? 2 : 1);
        }
        if (c is '\n' or '\u2028' or '\u2029')
        {
            return (TokenKind.LineBreak, 1);
        }
        // A lone surrogate decodes as invalid and is consumed alone: still exact, just an "other" token.
        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed) != OperationStatus.Done)
        {
            return (TokenKind.Other, 1);
        }
        if (Rune.IsWhiteSpace(rune))
        {
            return (TokenKind.Space, consumed);
        }
        if (Rune.IsLetterOrDigit(rune) || rune.Value == '_')
        {
            return (TokenKind.Word, consumed);
        }
        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark)
        {
            return (TokenKind.Word, consumed);
        }
        return (TokenKind.Other, consumed);
    }

    internal readonly record struct Op(DiffKind Kind, string Text);

    internal static List<Op> DiffTokens(IReadOnlyList<string> a, IReadOnlyList<string> b, bool allowLineFallback)
    {
        var ops = new List<Op>(a.Count + b.Count);
        var prefix = 0;
        while (prefix < a.Count && prefix < b.Count && a[prefix] == b[prefix])
        {
            prefix++;
        }
        var suffix = 0;
        while (suffix < a.Count - prefix && suffix < b.Count - prefix && a[a.Count - 1 - suffix] == b[b.Count - 1 - suffix])
        {
            suffix++;
        }
        for (var i = 0; i < prefix; i++)
        {
            ops.Add(new Op(DiffKind.Equal, a[i]));
        }

        var n = a.Count - prefix - suffix;
        var m = b.Count - prefix - suffix;
        var middle = MiddleDiff(a, b, prefix, n, m);
        if (middle is null && allowLineFallback)
        {
            middle = LineFallback(a, b, prefix, n, m);
        }
        if (middle is null)
        {
            middle = [];
            for (var i = 0; i < n; i++)
            {
                middle.Add(new Op(DiffKind.Deleted, a[prefix + i]));
            }
            for (var j = 0; j < m; j++)
            {
                middle.Add(new Op(DiffKind.Inserted, b[prefix + j]));
            }
        }
        ops.AddRange(middle);

        for (var i = a.Count - suffix; i < a.Count; i++)
        {
            ops.Add(new Op(DiffKind.Equal, a[i]));
        }
        return ops;
    }

    private static List<Op>? LineFallback(IReadOnlyList<string> a, IReadOnlyList<string> b, int offset, int n, int m)
    {
        var before = string.Concat(Enumerable.Range(offset, n).Select(i => a[i]));
        var after = string.Concat(Enumerable.Range(offset, m).Select(j => b[j]));
        var beforeLines = SplitLines(before);
        var afterLines = SplitLines(after);
        if (beforeLines.Count + afterLines.Count >= n + m)
        {
            return null; // No coarser unit to fall back to.
        }
        return DiffTokens(beforeLines, afterLines, allowLineFallback: false);
    }

    /// <summary>Myers' O((N+M)D) shortest edit script over a[offset..offset+n) and b[offset..offset+m); null when over budget.</summary>
    private static List<Op>? MiddleDiff(IReadOnlyList<string> a, IReadOnlyList<string> b, int offset, int n, int m)
    {
        var ops = new List<Op>();
        if (n == 0 || m == 0)
        {
            for (var i = 0; i < n; i++)
            {
                ops.Add(new Op(DiffKind.Deleted, a[offset + i]));
            }
            for (var j = 0; j < m; j++)
            {
                ops.Add(new Op(DiffKind.Inserted, b[offset + j]));
            }
            return ops;
        }

        // Intern tokens so the inner loop compares ints.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var x1 = new int[n];
        var y1 = new int[m];
        for (var i = 0; i < n; i++)
        {
            x1[i] = Intern(ids, a[offset + i]);
        }
        for (var j = 0; j < m; j++)
        {
            y1[j] = Intern(ids, b[offset + j]);
        }

        var total = n + m;
        var maxD = (int)Math.Min(Math.Min(total, MaxEditDistance), MaxWork / total);
        var v = new int[2 * maxD + 3];
        var center = maxD + 1;
        var trace = new List<int[]>();
        var found = -1;
        for (var d = 0; d <= maxD && found < 0; d++)
        {
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[center + k - 1] < v[center + k + 1])
                    ? v[center + k + 1]
                    : v[center + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && x1[x] == y1[y])
                {
                    x++;
                    y++;
                }
                v[center + k] = x;
                if (x >= n && y >= m)
                {
                    found = d;
                }
            }
            trace.Add(v.AsSpan(center - d, 2 * d + 1).ToArray());
        }
        if (found < 0)
        {
            return null;
        }

        var reversed = new List<Op>();
        var cx = n;
        var cy = m;
        for (var d = found; d > 0; d--)
        {
            var previous = trace[d - 1];
            var k = cx - cy;
            var down = k == -d || (k != d && previous[k - 1 + d - 1] < previous[k + 1 + d - 1]);
            var prevK = down ? k + 1 : k - 1;
            var prevX = previous[prevK + d - 1];
            var prevY = prevX - prevK;
            while (cx > prevX && cy > prevY)
            {
                reversed.Add(new Op(DiffKind.Equal, a[offset + cx - 1]));
                cx--;
                cy--;
            }
            if (down)
            {
                reversed.Add(new Op(DiffKind.Inserted, b[offset + cy - 1]));
            }
            else
            {
                reversed.Add(new Op(DiffKind.Deleted, a[offset + cx - 1]));
            }
            cx = prevX;
            cy = prevY;
        }
        while (cx > 0 && cy > 0)
        {
            reversed.Add(new Op(DiffKind.Equal, a[offset + cx - 1]));
            cx--;
            cy--;
        }
        reversed.Reverse();
        return reversed;
    }

    private static int Intern(Dictionary<string, int> ids, string token)
    {
        if (!ids.TryGetValue(token, out var id))
        {
            id = ids.Count;
            ids[token] = id;
        }
        return id;
    }

    /// <summary>
    /// Groups ops into segments: within each change, all deletions first, then all insertions; a whitespace-only
    /// Equal run between two changes is folded into both sides, so "the quick brown" → "a slow red" reads as one
    /// replacement rather than three. Both keep the reconstruction exact.
    /// </summary>
    private static List<DiffSegment> Build(List<Op> ops)
    {
        // Runs: alternating (equal text) and (deleted text, inserted text).
        var runs = new List<(bool Equal, StringBuilder Deleted, StringBuilder Inserted, bool EqualIsBlank)>();
        foreach (var op in ops)
        {
            var isEqual = op.Kind == DiffKind.Equal;
            if (runs.Count == 0 || runs[^1].Equal != isEqual)
            {
                runs.Add((isEqual, new StringBuilder(), new StringBuilder(), true));
            }
            var run = runs[^1];
            if (op.Kind == DiffKind.Inserted)
            {
                run.Inserted.Append(op.Text);
            }
            else
            {
                run.Deleted.Append(op.Text);
                if (isEqual && !string.IsNullOrWhiteSpace(op.Text))
                {
                    runs[^1] = run with { EqualIsBlank = false };
                }
            }
        }

        var segments = new List<DiffSegment>();
        StringBuilder? pendingDeleted = null;
        StringBuilder? pendingInserted = null;
        for (var r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            var foldable = run.Equal && run.EqualIsBlank && pendingDeleted is not null && r + 1 < runs.Count;
            if (!run.Equal || foldable)
            {
                pendingDeleted ??= new StringBuilder();
                pendingInserted ??= new StringBuilder();
                pendingDeleted.Append(run.Deleted);
                pendingInserted.Append(run.Equal ? run.Deleted : run.Inserted);
                continue;
            }
            Flush(segments, ref pendingDeleted, ref pendingInserted);
            segments.Add(new DiffSegment(DiffKind.Equal, run.Deleted.ToString()));
        }
        Flush(segments, ref pendingDeleted, ref pendingInserted);
        return segments;
    }

    private static void Flush(List<DiffSegment> segments, ref StringBuilder? deleted, ref StringBuilder? inserted)
    {
        if (deleted is null || inserted is null)
        {
            return;
        }
        // A folded run where the two sides came out equal (cannot happen for a real change, but be exact) is Equal.
        var d = deleted.ToString();
        var i = inserted.ToString();
        if (d == i)
        {
            segments.Add(new DiffSegment(DiffKind.Equal, d));
        }
        else
        {
            if (d.Length > 0)
            {
                segments.Add(new DiffSegment(DiffKind.Deleted, d));
            }
            if (i.Length > 0)
            {
                segments.Add(new DiffSegment(DiffKind.Inserted, i));
            }
        }
        deleted = null;
        inserted = null;
    }
}
