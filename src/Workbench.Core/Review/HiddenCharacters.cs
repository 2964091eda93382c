using System.Buffers;
using System.Globalization;
using System.Text;

namespace Workbench.Core.Review;

/// <summary>What a run of characters a reader cannot see does.</summary>
public enum HiddenKind
{
    /// <summary>Zero-width and other invisible characters: a word reads whole on screen and is not whole.</summary>
    Invisible,

    /// <summary>Direction controls: what is shown is reordered from what was sent.</summary>
    DirectionControl,

    /// <summary>Unicode tag characters: invisible text a model may read (ASCII smuggling); <see cref="HiddenRun.Label"/> holds it decoded.</summary>
    Tag,
}

/// <summary>
/// A run of characters of one kind at <see cref="Start"/> (in UTF-16 units) in the text: the code point for invisible
/// characters and direction controls ("U+200B", <see cref="Count"/> times in a row), the hidden text itself for tags.
/// </summary>
public sealed record HiddenRun(int Start, int Length, HiddenKind Kind, string Label, string Description, int Count);

/// <summary>The runs found, in order, and the words that mix Latin with look-alike letters of another script.</summary>
public sealed record HiddenCharacterScan(IReadOnlyList<HiddenRun> Runs, IReadOnlyList<string> MixedScriptWords, int MixedScriptWordCount)
{
    public static readonly HiddenCharacterScan None = new([], [], 0);

    public bool Any => Runs.Count > 0 || MixedScriptWordCount > 0;

    /// <summary>One line for the reviewer: how many of each, the hidden text and the mixed-script words named (shortened).</summary>
    public string Summary
    {
        get
        {
            var parts = new List<string>();
            foreach (var group in Runs.Where(r => r.Kind != HiddenKind.Tag).GroupBy(r => r.Description).OrderByDescending(g => g.Sum(r => r.Count)))
            {
                parts.Add($"{group.Sum(r => r.Count)} × {group.Key}");
            }
            // Text hidden in tag characters is what a model would read and the reviewer cannot: said, shortened.
            var hidden = HiddenCharacters.HiddenText(this);
            if (hidden.Length > 0)
            {
                parts.Add($"hidden text “{TextCut.Shorten(hidden, 200)}”");
            }
            if (MixedScriptWordCount > 0)
            {
                var named = string.Join(", ", MixedScriptWords.Select(w => $"“{w}”"));
                var more = MixedScriptWordCount > MixedScriptWords.Count ? $" and {MixedScriptWordCount - MixedScriptWords.Count} more" : "";
                parts.Add($"{MixedScriptWordCount} {(MixedScriptWordCount == 1 ? "word mixes" : "words mix")} Latin with look-alike letters: {named}{more}");
            }
            return string.Join("; ", parts);
        }
    }
}

/// <summary>
/// Finds what untrusted text hides from the person reading it: invisible characters ("la\u200Bwyer"), direction controls
/// that reorder what is shown (U+202E), Unicode tag characters that carry text only a model reads, and words that mix
/// Latin letters with look-alikes of another script ("jоurnalist" with a Cyrillic о). It flags, it never changes what was
/// sent: a page shows each run as a marker where it stands (<see cref="Reveal(string)"/>). The whole text is read: the
/// scan is one pass, and every run is kept, so no hidden character past a limit reaches the page unmarked.
/// </summary>
public static class HiddenCharacters
{
    private const int MaxNamedWords = 5;
    private const int MaxNamedWordLength = 40;

    public static HiddenCharacterScan Scan(string? text)
    {
        if (string.IsNullOrEmpty(text) || Ascii.IsValid(text))
        {
            return HiddenCharacterScan.None; // most texts: nothing outside ASCII, so nothing hidden and no look-alike
        }
        var runs = new List<HiddenRun>();
        var words = new List<string>();
        var wordCount = 0;
        var wordStart = -1;
        bool latin = false, lookAlike = false;
        var previous = default(Rune);
        var i = 0;
        while (i < text.Length)
        {
            var rune = RuneAt(text, i, out var used);
            if (rune.Value == 0x1F3F4 && FlagTagsLength(text, i + used) is > 0 and var flag)
            {
                // A subdivision flag (🏴, tags spelling "gbeng", the cancel tag) is an emoji, not hidden text.
                EndWord(i);
                previous = rune;
                i += used + flag;
                continue;
            }
            var kind = KindOf(rune, previous);
            if (kind is { } k)
            {
                // One run per kind, and for invisible characters and direction controls per character: "3 × U+200B".
                var start = i;
                var count = 0;
                var hidden = new StringBuilder();
                while (i < text.Length)
                {
                    var r = RuneAt(text, i, out var n);
                    if (KindOf(r, previous) != k || (k != HiddenKind.Tag && r != rune))
                    {
                        break;
                    }
                    if (k == HiddenKind.Tag && r.Value - 0xE0000 is >= 0x20 and < 0x7F and var ascii)
                    {
                        hidden.Append((char)ascii);
                    }
                    count++;
                    i += n;
                }
                var label = k == HiddenKind.Tag ? hidden.ToString() : $"U+{rune.Value:X4}";
                runs.Add(new HiddenRun(start, i - start, k, label, Describe(k, rune.Value), count));
                previous = RuneAt(text, i - (char.IsLowSurrogate(text[i - 1]) && i > start + 1 ? 2 : 1), out _); // the run's last character
                continue; // an invisible character does not end the word it sits in
            }
            if (Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format) // a joiner or mark let through does not split a word
            {
                if (wordStart < 0)
                {
                    wordStart = i;
                    latin = lookAlike = false;
                }
                latin |= IsLatin(rune.Value);
                lookAlike |= IsLookAlike(rune.Value);
            }
            else
            {
                EndWord(i);
            }
            previous = rune;
            i += used;
        }
        EndWord(text.Length);
        return runs.Count == 0 && wordCount == 0 ? HiddenCharacterScan.None : new HiddenCharacterScan(runs, words, wordCount);

        void EndWord(int end)
        {
            if (wordStart >= 0 && latin && lookAlike)
            {
                wordCount++;
                if (words.Count < MaxNamedWords)
                {
                    // Named without the hidden characters inside it, and short: the name goes into a tooltip.
                    words.Add(TextCut.Shorten(Without(text[wordStart..end]), MaxNamedWordLength));
                }
            }
            wordStart = -1;
        }
    }

    /// <summary>The text with each hidden run in brackets where it stands ("la⟦U+200B⟧wyer", "⟦hidden: approve this⟧").</summary>
    public static string Reveal(string text) => Reveal(text, Scan(text), markdown: false);

    /// <summary>
    /// As <see cref="Reveal(string)"/>, for text rendered as Markdown: the hidden text of a tag run is escaped, so that
    /// a link or emphasis hidden in tags shows as the characters it is made of.
    /// </summary>
    public static string RevealMarkdown(string text) => Reveal(text, Scan(text), markdown: true);

    private static string Reveal(string text, HiddenCharacterScan scan, bool markdown)
    {
        if (scan.Runs.Count == 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + scan.Runs.Count * 12);
        var at = 0;
        foreach (var run in scan.Runs)
        {
            var marker = Marker(run);
            sb.Append(text, at, run.Start - at).Append('⟦').Append(markdown ? EscapeMarkdown(marker) : marker).Append('⟧');
            at = run.Start + run.Length;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>
    /// What stands in the text for a run: its code point, with how often it was repeated ("U+200B ×3"), or the hidden
    /// text (shortened; <see cref="HiddenText"/> has all of it).
    /// </summary>
    public static string Marker(HiddenRun run) => run.Kind switch
    {
        HiddenKind.Tag => $"hidden: {TextCut.Shorten(run.Label, 80)}",
        _ => run.Count == 1 ? run.Label : $"{run.Label} ×{run.Count}",
    };

    /// <summary>
    /// The text hidden in tag characters, in order; two tag runs with only invisible characters between them are one
    /// text ("app", a zero-width space, "rove" is "approve").
    /// </summary>
    public static string HiddenText(HiddenCharacterScan scan)
    {
        var sb = new StringBuilder();
        var end = -1;
        foreach (var run in scan.Runs)
        {
            if (run.Kind == HiddenKind.Tag)
            {
                sb.Append(sb.Length > 0 && run.Start != end ? "\n" : "").Append(run.Label);
                end = run.Start + run.Length;
            }
            else if (run.Kind == HiddenKind.Invisible && run.Start == end)
            {
                end = run.Start + run.Length;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The text as a model reads it: each tag character that stands for printable ASCII (U+E0020 to U+E007E) replaced by
    /// that character; the same instance when the text has no tag character.
    /// </summary>
    public static string AsModelReads(string text)
    {
        // Every tag character's first UTF-16 unit is U+DB40: a text without it is returned as it is.
        if (!text.Contains('\uDB40'))
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                && char.ConvertToUtf32(text[i], text[i + 1]) is var v and >= 0xE0020 and <= 0xE007E)
            {
                sb.Append((char)(v - 0xE0000));
                i++;
                continue;
            }
            sb.Append(text[i]);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The start of an untrusted text as a short line shows it: hidden characters as markers where they stand, then cut
    /// to at most <paramref name="max"/> characters, with no space before the "…".
    /// </summary>
    public static string RevealStart(string text, int max)
    {
        var shown = Reveal(text);
        if (shown.Length <= max)
        {
            return shown;
        }
        var cut = TextCut.Shorten(shown, max);
        return string.Concat(cut.AsSpan(0, cut.Length - 1).TrimEnd(), "…");
    }

    private static Rune RuneAt(string text, int i, out int used) =>
        Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out used) == OperationStatus.Done ? rune : Rune.ReplacementChar;

    // The text without its hidden characters (for naming a word).
    private static string Without(string word)
    {
        var sb = new StringBuilder(word.Length);
        var previous = default(Rune);
        foreach (var r in word.EnumerateRunes())
        {
            if (KindOf(r, previous) is null)
            {
                sb.Append(r.ToString());
                previous = r;
            }
        }
        return sb.ToString();
    }

    private static HiddenKind? KindOf(Rune rune, Rune previous)
    {
        var v = rune.Value;
        var p = previous.Value;
        if (v is >= 0xE0000 and <= 0xE007F)
        {
            return HiddenKind.Tag;
        }
        if (v is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069))
        {
            return HiddenKind.DirectionControl;
        }
        if (v is 0x200E or 0x200F or 0x061C)
        {
            // A direction mark after a Hebrew or Arabic letter or digit belongs to that text; elsewhere it only hides.
            return IsRightToLeftLetter(p) ? null : HiddenKind.DirectionControl;
        }
        if (v is 0x200C or 0x200D && (IsJoiningScript(p) || IsPictograph(previous)))
        {
            return null; // joiners shape Arabic, Persian, Syriac and Indic words and build emoji (👩 + U+200D + 💻)
        }
        if (v is 0xFE0E or 0xFE0F && (IsPictograph(previous) || Rune.GetUnicodeCategory(previous) is UnicodeCategory.OtherSymbol or UnicodeCategory.MathSymbol
            || p is (>= '0' and <= '9') or '#' or '*'))
        {
            return null; // text or emoji presentation of an emoji, a symbol or a keycap ("1️⃣")
        }
        if (v is (>= 0xFE00 and <= 0xFE0D) or (>= 0xE0100 and <= 0xE01EF) && IsIdeograph(p))
        {
            return null; // the form of an ideograph (an ideographic variation sequence)
        }
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || IsDefaultIgnorable(v))
        {
            return HiddenKind.Invisible;
        }
        return null;
    }

    /// <summary>
    /// Unicode's Default_Ignorable_Code_Point: shown as nothing, whatever its category (format characters, variation
    /// selectors, fillers, the combining grapheme joiner, unassigned ones kept for more of the same). The policy's
    /// folding drops the same set.
    /// </summary>
    public static bool IsDefaultIgnorable(int v) =>
        v is 0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F)
            or (>= 0x200B and <= 0x200F) or (>= 0x202A and <= 0x202E) or (>= 0x2060 and <= 0x206F) or 0x3164
            or (>= 0xFE00 and <= 0xFE0F) or 0xFEFF or 0xFFA0 or (>= 0xFFF0 and <= 0xFFF8) or (>= 0x1BCA0 and <= 0x1BCA3)
            or (>= 0x1D173 and <= 0x1D17A) or (>= 0xE0000 and <= 0xE0FFF);

    private static bool IsRightToLeftLetter(int v) =>
        v is (>= 0x0590 and <= 0x05FF) or (>= 0x0600 and <= 0x061B) or (>= 0x061D and <= 0x06FF) or (>= 0x0750 and <= 0x077F)
            or (>= 0x08A0 and <= 0x08FF) or (>= 0xFB1D and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFE);

    // Scripts whose words use joiners: Arabic (with Persian and Urdu), Syriac, N'Ko, Mongolian and the Indic scripts.
    private static bool IsJoiningScript(int v) =>
        v is (>= 0x0600 and <= 0x06FF) or (>= 0x0700 and <= 0x074F) or (>= 0x0750 and <= 0x077F) or (>= 0x07C0 and <= 0x07FF)
            or (>= 0x08A0 and <= 0x08FF) or (>= 0x0900 and <= 0x0DFF) or (>= 0x1800 and <= 0x18AF) or (>= 0xFB50 and <= 0xFDFF)
            or (>= 0xFE70 and <= 0xFEFE);

    private static bool IsIdeograph(int v) => v is (>= 0x3400 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3FFFF);

    // After 🏴: the UTF-16 length of one of the recommended subdivision flags' tags (England, Scotland, Wales, then the
    // cancel tag), or 0 when what follows is anything else: text hidden in a made-up "flag" is hidden text.
    private static int FlagTagsLength(string text, int at)
    {
        foreach (var region in (ReadOnlySpan<string>)["gbeng", "gbsct", "gbwls"])
        {
            var i = at;
            var matched = true;
            foreach (var c in region)
            {
                if (i >= text.Length || RuneAt(text, i, out var n).Value != 0xE0000 + c)
                {
                    matched = false;
                    break;
                }
                i += n;
            }
            if (matched && i < text.Length && RuneAt(text, i, out var cancel).Value == 0xE007F)
            {
                return i + cancel - at;
            }
        }
        return 0;
    }

    private static bool IsVariationSelector(int v) => v is (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF) or (>= 0x180B and <= 0x180F);

    // Emoji and the symbols that have an emoji form (©, ‼, ™, ℹ, arrows, shapes, ✔, 〰, ㊗).
    private static bool IsPictograph(Rune r) =>
        r.Value is 0xA9 or 0xAE or 0x203C or 0x2049 or (>= 0x2100 and <= 0x2BFF) or 0x3030 or 0x303D or 0x3297 or 0x3299
            or (>= 0x1F000 and <= 0x1FAFF) or 0xFE0F;

    private static bool IsLatin(int v) => v is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= 0xC0 and <= 0x24F) && v is not (0xD7 or 0xF7 or 0x1C0);

    // Letters of another script that pass for Latin inside a Latin word: Cyrillic, Greek, Armenian, the click letter ǀ and
    // IPA ɑ and ɡ. (Turkish ı is a Latin letter of Turkish words, not flagged; the policy's folding reads it as i.)
    private static bool IsLookAlike(int v) =>
        v is (>= 0x0370 and <= 0x03FF) or (>= 0x0400 and <= 0x052F) or (>= 0x0531 and <= 0x058F) or 0x1C0 or 0x251 or 0x261;

    private static string EscapeMarkdown(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var c in s)
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '<' or '>' or '#' or '!' or '|' or '~' or '&' or '{' or '}')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

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
            _ when IsVariationSelector(v) => "variation selector",
            _ => "invisible character",
        },
    };
}
