using System.Buffers;
using System.Globalization;
using System.Text;

namespace Workbench.Core.Review;

/// <summary>What a run of characters a reader cannot see does.</summary>
public enum HiddenKind
{
    /// <summary>Zero-width and other invisible format characters: a word reads whole on screen and is not whole.</summary>
    Invisible,

    /// <summary>Direction controls: what is shown is reordered from what was sent.</summary>
    DirectionControl,

    /// <summary>Unicode tag characters: invisible text a model may read (ASCII smuggling); <see cref="HiddenRun.Label"/> holds it decoded.</summary>
    Tag,
}

/// <summary>
/// A run of characters of one kind at <see cref="Start"/> (in UTF-16 units) in the text: the code points for invisible
/// characters and direction controls ("U+200B"), the hidden text itself for tags.
/// </summary>
public sealed record HiddenRun(int Start, int Length, HiddenKind Kind, string Label, string Description, int Count);

/// <summary>The runs found, the words that mix Latin with look-alike Cyrillic or Greek letters, and whether the text was cut.</summary>
public sealed record HiddenCharacterScan(IReadOnlyList<HiddenRun> Runs, IReadOnlyList<string> MixedScriptWords, int MixedScriptWordCount, bool Truncated)
{
    public static readonly HiddenCharacterScan None = new([], [], 0, false);

    public bool Any => Runs.Count > 0 || MixedScriptWordCount > 0;

    /// <summary>One line for the reviewer: how many of each, the mixed-script words named.</summary>
    public string Summary
    {
        get
        {
            var parts = new List<string>();
            foreach (var group in Runs.Where(r => r.Kind != HiddenKind.Tag).GroupBy(r => r.Description).OrderByDescending(g => g.Sum(r => r.Count)))
            {
                parts.Add($"{group.Sum(r => r.Count)} × {group.Key}");
            }
            // Text hidden in tag characters is what a model would read and the reviewer cannot: said in full.
            parts.AddRange(Runs.Where(r => r.Kind == HiddenKind.Tag).Select(r => $"hidden text “{r.Label}”"));
            if (MixedScriptWordCount > 0)
            {
                var named = string.Join(", ", MixedScriptWords.Select(w => $"“{w}”"));
                var more = MixedScriptWordCount > MixedScriptWords.Count ? $" and {MixedScriptWordCount - MixedScriptWords.Count} more" : "";
                parts.Add($"{MixedScriptWordCount} {(MixedScriptWordCount == 1 ? "word mixes" : "words mix")} Latin with look-alike letters: {named}{more}");
            }
            return string.Join("; ", parts) + (Truncated ? $". Only the first {HiddenCharacters.MaxScanLength / 1024} KiB were checked." : "");
        }
    }
}

/// <summary>
/// Finds what untrusted text hides from the person reading it: invisible characters inside words ("la\u200Bwyer"),
/// direction controls that reorder what is shown (U+202E), Unicode tag characters that carry text only a model reads,
/// and words that mix Latin letters with Cyrillic or Greek look-alikes ("jоurnalist"). It flags, it never changes what
/// was sent: the page marks each run where it stands.
/// </summary>
public static class HiddenCharacters
{
    /// <summary>Only this many characters are scanned; <see cref="HiddenCharacterScan.Truncated"/> says when there was more.</summary>
    public const int MaxScanLength = 64 * 1024;

    private const int MaxRuns = 100;
    private const int MaxNamedWords = 5;

    public static HiddenCharacterScan Scan(string? text)
    {
        if (string.IsNullOrEmpty(text) || Ascii.IsValid(text))
        {
            return HiddenCharacterScan.None; // most texts: nothing outside ASCII, so nothing hidden and no look-alike
        }
        var length = Math.Min(text.Length, MaxScanLength);
        var runs = new List<HiddenRun>();
        var words = new List<string>();
        var wordCount = 0;
        var wordStart = -1;
        bool latin = false, lookAlike = false;
        var i = 0;
        while (i < length)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i, length - i), out var rune, out var used) != OperationStatus.Done)
            {
                used = 1;
                rune = Rune.ReplacementChar;
            }
            var kind = KindOf(rune, text, i, used, length);
            if (kind is { } k && runs.Count < MaxRuns)
            {
                // One run per kind, and for invisible characters and direction controls per character: "3 × U+200B".
                var start = i;
                var count = 0;
                var hidden = new StringBuilder();
                while (i < length && Rune.DecodeFromUtf16(text.AsSpan(i, length - i), out var r, out var n) == OperationStatus.Done
                    && KindOf(r, text, i, n, length) == k && (k == HiddenKind.Tag || r == rune))
                {
                    if (k == HiddenKind.Tag && r.Value - 0xE0000 is >= 0x20 and < 0x7F and var ascii)
                    {
                        hidden.Append((char)ascii);
                    }
                    count++;
                    i += n;
                }
                var label = k == HiddenKind.Tag ? hidden.ToString() : $"U+{rune.Value:X4}";
                runs.Add(new HiddenRun(start, i - start, k, label, Describe(k, rune.Value), count));
                continue; // an invisible character does not end the word it sits in
            }
            if (Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
            {
                if (wordStart < 0)
                {
                    wordStart = i;
                    latin = lookAlike = false;
                }
                latin |= IsLatin(rune.Value);
                lookAlike |= IsCyrillicOrGreek(rune.Value);
            }
            else
            {
                EndWord(i);
            }
            i += used;
        }
        EndWord(length);
        return runs.Count == 0 && wordCount == 0 ? HiddenCharacterScan.None : new HiddenCharacterScan(runs, words, wordCount, text.Length > length);

        void EndWord(int end)
        {
            if (wordStart >= 0 && latin && lookAlike)
            {
                wordCount++;
                if (words.Count < MaxNamedWords)
                {
                    words.Add(text[wordStart..end]);
                }
            }
            wordStart = -1;
        }
    }

    /// <summary>
    /// The text with each run replaced by its marker in brackets ("la⟦U+200B⟧wyer", "⟦hidden: approve this⟧"), for a view
    /// that renders text itself (markdown): what the reader sees is what was sent, and a direction control reorders
    /// nothing. The text as it is when nothing was found.
    /// </summary>
    public static string Reveal(string text, HiddenCharacterScan scan)
    {
        if (scan.Runs.Count == 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + scan.Runs.Count * 12);
        var at = 0;
        foreach (var run in scan.Runs)
        {
            sb.Append(text, at, run.Start - at).Append('⟦').Append(Marker(run)).Append('⟧');
            at = run.Start + run.Length;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>What stands in the text for a run: its code point, with how often it was repeated ("U+200B ×3"), or the hidden text.</summary>
    public static string Marker(HiddenRun run) => run.Kind switch
    {
        HiddenKind.Tag => $"hidden: {run.Label}",
        _ => run.Count == 1 ? run.Label : $"{run.Label} ×{run.Count}",
    };

    /// <summary>
    /// What an instruction check should read: the text and any text hidden in tag characters, which a model reads too.
    /// </summary>
    public static string? WithHiddenText(string? text, HiddenCharacterScan scan)
    {
        var tags = scan.Runs.Where(r => r.Kind == HiddenKind.Tag).Select(r => r.Label).ToList();
        return tags.Count == 0 ? text : text + "\n" + string.Join("\n", tags);
    }

    private static HiddenKind? KindOf(Rune rune, string text, int at, int used, int length)
    {
        var v = rune.Value;
        if (v is >= 0xE0000 and <= 0xE007F)
        {
            return HiddenKind.Tag;
        }
        if (v is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x200E or 0x200F or 0x061C)
        {
            return HiddenKind.DirectionControl;
        }
        if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format)
        {
            return null;
        }
        // A zero-width joiner or variation selector next to an emoji builds the emoji (👩‍💻): it hides nothing.
        if (v == 0x200D && (IsEmojiPart(text, at - 1) || IsEmojiPart(text, at + used)))
        {
            return null;
        }
        return HiddenKind.Invisible;
    }

    private static bool IsEmojiPart(string text, int index) =>
        index >= 0 && index < text.Length
        && (char.IsSurrogate(text[index]) || text[index] == '\uFE0F' || char.GetUnicodeCategory(text[index]) == UnicodeCategory.OtherSymbol);

    private static bool IsLatin(int v) => v is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= 0xC0 and <= 0x24F) && v is not (0xD7 or 0xF7);

    private static bool IsCyrillicOrGreek(int v) => v is (>= 0x0370 and <= 0x03FF) or (>= 0x0400 and <= 0x052F);

    private static string Describe(HiddenKind kind, int v) => kind switch
    {
        HiddenKind.Tag => "hidden tag text",
        HiddenKind.DirectionControl => v switch
        {
            0x202E => "right-to-left override",
            0x202D => "left-to-right override",
            _ => "direction control",
        },
        _ => v switch
        {
            0x200B => "zero-width space",
            0x200C => "zero-width non-joiner",
            0x200D => "zero-width joiner",
            0x2060 => "word joiner",
            0xFEFF => "zero-width no-break space",
            0xAD => "soft hyphen",
            _ => "invisible character",
        },
    };
}
