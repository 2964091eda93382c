using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Workbench.Contracts;
using Workbench.Core.Review;

namespace Workbench.Core.Learning;

public enum EditChangeKind
{
    /// <summary>Text the reviewer added where the model wrote nothing.</summary>
    Added,
    /// <summary>Text the reviewer took out.</summary>
    Removed,
    /// <summary>Text the reviewer replaced with other text.</summary>
    Replaced,
    /// <summary>A replacement that only changed numbers, amounts, dates or names: the same clause, another value.</summary>
    ValueChanged,
}

/// <summary>One change of one edit, normalized: lower case, whitespace collapsed, numbers and names masked.</summary>
/// <param name="Removed">The normalized text taken out ("" for an addition).</param>
/// <param name="Added">The normalized text put in ("" for a removal).</param>
/// <param name="RawRemoved">The text as the model wrote it (for examples).</param>
/// <param name="RawAdded">The text as the reviewer wrote it (for examples).</param>
public sealed record EditChange(EditChangeKind Kind, string Removed, string Added, string RawRemoved, string RawAdded)
{
    /// <summary>Equal keys are the same change: what groups are made of.</summary>
    public string Key => Kind switch
    {
        EditChangeKind.ValueChanged => "value\u241F" + Removed,
        _ => Kind.ToString() + "\u241F" + Removed + "\u241F" + Added,
    };
}

/// <summary>
/// Turns a reviewer's edit (the model's text before, the released text after) into normalized changes, so that
/// "Dear John, … $120 …" and "Dear Maria, … $75 …" edited the same way count as the same edit.
/// </summary>
public static partial class EditNormalizer
{
    public const string NumberMask = "‹num›";
    public const string NameMask = "‹name›";
    public const string EmailMask = "‹email›";
    public const string UrlMask = "‹url›";

    [GeneratedRegex(@"https?://\S+|www\.\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    [GeneratedRegex(@"[\p{L}\d._%+-]+@[\p{L}\d.-]+\.\p{L}{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    // A number standing alone — amounts ($1,234.50, 12 %, €75), dates (2026-11-20, 20/11) — never the digits of an
    // identifier such as KB-1042 or doc_12, which name *which* source and must stay distinct.
    [GeneratedRegex(@"(?<![\p{L}\d_‹-])[$€£¥]?\d+(?:[.,:/'’-]\d+)*(?:\s?%)?(?![\p{L}\d_›]|-\p{L})", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    // Capitalized words not at a sentence start, with their honorific: names of people, products, places.
    [GeneratedRegex(@"(?<=[\p{L}\d,;›)]\s+)(?:(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+)?\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)*", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Masks e-mails, URLs, numbers and names, collapses whitespace and lower-cases the rest.</summary>
    /// <param name="leadingContext">The text just before: a capitalized first word is a name only in mid-sentence.</param>
    public static string Mask(string text, string leadingContext = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(leadingContext);
        var midSentence = MidSentence(leadingContext);
        // A stand-in word before the text lets the name rule see that it does not start a sentence.
        var masked = midSentence ? "x " + text.TrimStart() : text;
        masked = Url().Replace(masked, UrlMask);
        masked = Email().Replace(masked, EmailMask);
        masked = Number().Replace(masked, NumberMask);
        masked = Name().Replace(masked, NameMask);
        if (midSentence)
        {
            masked = masked[2..];
        }
        return Whitespace().Replace(masked, " ").Trim().ToLower(CultureInfo.InvariantCulture);
    }

    private static bool MidSentence(string context)
    {
        for (var i = context.Length - 1; i >= 0; i--)
        {
            var c = context[i];
            if (char.IsWhiteSpace(c))
            {
                continue;
            }
            return char.IsLetterOrDigit(c) || c is ',' or ';';
        }
        return false;
    }

    /// <summary>
    /// The changes of one edit, in text order. A change glued to a word (the digits of "$120", the number of
    /// "KB-1042") is widened to the whole whitespace-delimited word, so it is compared as the reader sees it.
    /// Whitespace- or punctuation-only changes are dropped.
    /// </summary>
    public static IReadOnlyList<EditChange> Changes(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var segments = WordDiff.Compute(before, after);
        var changes = new List<EditChange>();
        var context = new StringBuilder();
        var i = 0;
        while (i < segments.Count)
        {
            if (segments[i].Kind == DiffKind.Equal)
            {
                context.Append(segments[i].Text);
                i++;
                continue;
            }
            var removed = new StringBuilder();
            var added = new StringBuilder();
            var j = i;
            while (j < segments.Count)
            {
                var segment = segments[j];
                if (segment.Kind == DiffKind.Equal)
                {
                    // Words changed on either side of a lone space are one change ("replaced A B with C D").
                    if (IsJoiner(segment.Text) && j + 1 < segments.Count && segments[j + 1].Kind != DiffKind.Equal)
                    {
                        removed.Append(segment.Text);
                        added.Append(segment.Text);
                        j++;
                        continue;
                    }
                    break;
                }
                (segment.Kind == DiffKind.Deleted ? removed : added).Append(segment.Text);
                j++;
            }

            var coreRemoved = removed.ToString();
            var coreAdded = added.ToString();
            var preceding = context.ToString();
            var following = j < segments.Count ? segments[j].Text : "";
            var prefix = StartsGlued(coreRemoved) && StartsGlued(coreAdded) ? TrailingWord(preceding) : "";
            var suffix = EndsGlued(coreRemoved) && EndsGlued(coreAdded) ? LeadingWord(following) : "";
            if (HasWord(coreRemoved) || HasWord(coreAdded))
            {
                changes.Add(Make(
                    Widen(prefix, coreRemoved, suffix),
                    Widen(prefix, coreAdded, suffix),
                    preceding[..^prefix.Length]));
            }
            context.Append(coreRemoved);
            i = j;
        }
        return changes;
    }

    private static bool IsJoiner(string text) =>
        text.Length > 0 && string.IsNullOrWhiteSpace(text) && !text.Contains('\n', StringComparison.Ordinal);

    private static bool StartsGlued(string core) => core.Length == 0 || !char.IsWhiteSpace(core[0]);

    private static bool EndsGlued(string core) => core.Length == 0 || !char.IsWhiteSpace(core[^1]);

    // An empty side of a pure insertion or removal stays empty: there is nothing to widen.
    private static string Widen(string prefix, string core, string suffix) =>
        core.Trim().Length == 0 && (prefix.Length > 0 || suffix.Length > 0) ? prefix + suffix : prefix + core + suffix;

    private static string TrailingWord(string text)
    {
        var start = text.Length;
        while (start > 0 && !char.IsWhiteSpace(text[start - 1]))
        {
            start--;
        }
        return text[start..];
    }

    private static string LeadingWord(string text)
    {
        var end = 0;
        while (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            end++;
        }
        return text[..end];
    }

    private static EditChange Make(string rawRemoved, string rawAdded, string context)
    {
        var removed = Mask(rawRemoved, context);
        var added = Mask(rawAdded, context);
        var kind = (removed.Length, added.Length) switch
        {
            (0, _) => EditChangeKind.Added,
            (_, 0) => EditChangeKind.Removed,
            _ when removed == added => EditChangeKind.ValueChanged,
            _ => EditChangeKind.Replaced,
        };
        return new EditChange(kind, removed, added, rawRemoved.Trim(), rawAdded.Trim());
    }

    private static bool HasWord(string text)
    {
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '‹')
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>An edit as stored: the case, its workflow, the model's text and the text the reviewer released.</summary>
public sealed record EditSample(Guid CaseId, string Workflow, string Before, string After, RootCause? ReviewerRootCause = null);

public sealed record EditExample(Guid CaseId, string Removed, string Added);

/// <summary>The same normalized change made in several cases.</summary>
/// <param name="Cases">Distinct cases the change was made in (one case making it twice counts once).</param>
public sealed record EditGroup(
    EditChangeKind Kind,
    string Removed,
    string Added,
    int Cases,
    IReadOnlyList<string> Workflows,
    IReadOnlyList<EditExample> Examples,
    RootCause SuggestedRootCause,
    string Description);

/// <summary>
/// Groups reviewer edits so a lead sees "added the same disclaimer 41 times" instead of 41 diffs. The suggested root
/// cause is the reviewers' own classification where most of the group's cases have one, and otherwise follows
/// the shape of the change: a value changed → missing business data; a source or citation changed → retrieval;
/// text the model keeps omitting or adding → the prompt.
/// </summary>
public static class EditMiner
{
    public const int ExamplesPerGroup = 3;

    public static IReadOnlyList<EditGroup> Group(IEnumerable<EditSample> samples, int minCases = 2)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var groups = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var change in EditNormalizer.Changes(sample.Before, sample.After))
            {
                if (!seen.Add(change.Key))
                {
                    continue;
                }
                if (!groups.TryGetValue(change.Key, out var group))
                {
                    groups[change.Key] = group = new Accumulator(change);
                }
                group.Add(sample, change);
            }
        }
        return groups.Values
            .Where(g => g.Cases >= minCases)
            .Select(g => g.ToGroup())
            .OrderByDescending(g => g.Cases)
            .ThenBy(g => g.Description, StringComparer.Ordinal)
            .ToList();
    }

    public static RootCause SuggestRootCause(EditChangeKind kind, string removed, string added)
    {
        if (kind == EditChangeKind.ValueChanged)
        {
            return RootCause.MissingBusinessData;
        }
        if (LooksLikeSource(removed) || LooksLikeSource(added))
        {
            return kind == EditChangeKind.Replaced ? RootCause.RetrievalConflict : RootCause.RetrievalMiss;
        }
        return RootCause.Prompt;
    }

    private static bool LooksLikeSource(string text) =>
        text.Contains(EditNormalizer.UrlMask, StringComparison.Ordinal)
        || text.Contains('[', StringComparison.Ordinal)
        || text.Contains('§', StringComparison.Ordinal)
        || text.Contains("source", StringComparison.Ordinal)
        || text.Contains("according to", StringComparison.Ordinal)
        || text.Contains("policy ", StringComparison.Ordinal)
        || text.Contains("section", StringComparison.Ordinal)
        || text.Contains("citation", StringComparison.Ordinal);

    public static string Describe(EditChangeKind kind, string removed, string added, int cases)
    {
        var times = cases == 1 ? "once" : $"{cases} times";
        return kind switch
        {
            EditChangeKind.Added => $"added “{Clip(added)}” {times}",
            EditChangeKind.Removed => $"removed “{Clip(removed)}” {times}",
            EditChangeKind.ValueChanged => $"changed the value in “{Clip(removed)}” {times}",
            _ => $"replaced “{Clip(removed)}” with “{Clip(added)}” {times}",
        };
    }

    private static string Clip(string text) => Review.TextCut.Shorten(text, 60);

    private sealed class Accumulator(EditChange first)
    {
        private readonly HashSet<Guid> _cases = [];
        private readonly SortedSet<string> _workflows = new(StringComparer.Ordinal);
        private readonly List<EditExample> _examples = [];
        private readonly Dictionary<RootCause, int> _classified = [];

        public int Cases => _cases.Count;

        public void Add(EditSample sample, EditChange change)
        {
            if (!_cases.Add(sample.CaseId))
            {
                return;
            }
            _workflows.Add(sample.Workflow);
            if (_examples.Count < ExamplesPerGroup)
            {
                _examples.Add(new EditExample(sample.CaseId, change.RawRemoved, change.RawAdded));
            }
            if (sample.ReviewerRootCause is { } cause)
            {
                _classified[cause] = _classified.GetValueOrDefault(cause) + 1;
            }
        }

        public EditGroup ToGroup()
        {
            // The reviewers' word wins when most of the group's cases were classified the same way.
            var cause = _classified.Count > 0 && _classified.Values.Max() * 2 > Cases
                ? _classified.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First().Key
                : EditMiner.SuggestRootCause(first.Kind, first.Removed, first.Added);
            return new EditGroup(first.Kind, first.Removed, first.Added, Cases, [.. _workflows], _examples, cause,
                Describe(first.Kind, first.Removed, first.Added, Cases));
        }
    }
}
