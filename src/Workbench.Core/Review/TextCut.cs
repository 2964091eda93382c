namespace Workbench.Core.Review;

/// <summary>
/// Cuts text to a length in UTF-16 units without splitting a character above U+FFFF (an emoji, a tag) between its two
/// units: half a character shows as a replacement character, and PostgreSQL's client refuses to write it at all.
/// </summary>
public static class TextCut
{
    /// <summary>The first at most <paramref name="max"/> units; one fewer when the last would be half a character.</summary>
    public static string Head(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var n = Math.Max(max, 0);
        if (n > 0 && char.IsHighSurrogate(text[n - 1]))
        {
            n--;
        }
        return text[..n];
    }

    /// <summary>At most <paramref name="max"/> units: a longer text is cut and ends in "…".</summary>
    public static string Shorten(string text, int max) => text.Length <= max ? text : Head(text, max - 1) + "…";
}
