using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Workbench.Core.Policy.Signals;

/// <summary>
/// What counts as a request for an exception rather than a standard answer (the article's "override", "special case",
/// "just this once"): whole phrases and regular expressions, matched against the request after it is folded to plain
/// lower-case words, so that "Just  THIS once!!", "јust this once" (a Cyrillic ј) and "bend the rules … this one time"
/// are caught as well as the phrase itself. The policy may replace the lists (<c>exception_language:</c>).
/// </summary>
public sealed class ExceptionLanguage
{
    /// <summary>The shipped phrases: the article's examples and their common kin.</summary>
    public static IReadOnlyList<string> DefaultPhrases { get; } =
    [
        "override", "overrule", "special case", "just this once", "just once", "this one time", "one time only", "only this time",
        "make an exception", "one-time exception", "one-off exception", "exception for me", "an exception to the policy",
        "bypass", "circumvent", "waive", "as a favor", "as a favour", "skip the approval", "skip the check",
        "skip the review", "skip the verification", "off the record", "off the books", "look the other way",
        "turn a blind eye", "let it slide", "bend the rules", "bend the rule", "break the rules", "ignore the policy",
        "ignore the rules", "outside the policy", "outside of policy", "against policy", "nobody will know",
        "no one will know", "nobody will notice", "no one will notice", "between you and me", "under the table",
    ];

    /// <summary>Paraphrases the phrases cannot list word for word (a few words may sit in between).</summary>
    public static IReadOnlyList<string> DefaultPatterns { get; } =
    [
        @"\bbend(ing)?\b(\s+\w+){0,4}\s+rules?\b",
        @"\b(just|only)\s+(this|one)\s+(one\s+)?time\b",
        @"\bmake\s+(\w+\s+){0,3}exception\b",
        @"\b(skip|waive|bypass|ignore|circumvent|work\s+around|get\s+around)\s+(\w+\s+){0,3}(approval|approvals|check|checks|review|verification|policy|policies|rules?|limit|limits)\b",
        @"\bexception\s+(to|from)\s+(\w+\s+){0,2}(policy|policies|rules?)\b",
    ];

    public static ExceptionLanguage Default { get; } = new(DefaultPhrases, DefaultPatterns);

    private readonly SearchValues<string>? _phrases;
    private readonly Regex[] _patterns;
    // The words a request must contain for any phrase or pattern to match it; null when a pattern's first word cannot
    // be read from it (then every request is folded and searched).
    private readonly WordTriggers? _triggers;

    /// <summary>Patterns are compiled NonBacktracking: a policy's regular expression cannot make a submission hang the engine.</summary>
    public ExceptionLanguage(IReadOnlyList<string> phrases, IReadOnlyList<string> patterns)
    {
        Phrases = phrases;
        Patterns = patterns;
        // A phrase starts at a word and may end inside one: "override" also finds "overrides", "waive" finds "waiver".
        // Every submission's request is matched: the phrases are searched for all at once, and the patterns are one
        // alternation, so the text is scanned twice whatever the length of the lists.
        string[] folded = [.. phrases.Select(p => " " + Fold(p)).Where(p => p.Trim().Length > 0)];
        _phrases = folded.Length == 0 ? null : SearchValues.Create(folded, StringComparison.Ordinal);
        _patterns = Compile(patterns);
        var firstWords = new List<string>();
        foreach (var pattern in patterns)
        {
            if (FirstWords(pattern) is not { } words)
            {
                firstWords = null;
                break;
            }
            firstWords.AddRange(words);
        }
        _triggers = firstWords is null ? null : WordTriggers.Of(folded, firstWords);
    }

    /// <summary>
    /// The words one of which a match of <paramref name="pattern"/> must start with, read from the pattern's opening when
    /// it has the plain shape the shipped patterns have: <c>\b</c>, then a lower-case word or a group of alternatives
    /// that each open with one, and no alternation outside that group. A word's last letter is dropped when a quantifier
    /// follows it (<c>rules?</c> gives "rule"). Null for any other shape: such a pattern is always run.
    /// </summary>
    internal static IReadOnlyList<string>? FirstWords(string pattern)
    {
        // Inline constructs ((?x) comments, (?i), lookarounds) could hide an alternation from the plain reading below.
        if (!pattern.StartsWith(@"\b", StringComparison.Ordinal) || pattern.Contains("(?", StringComparison.Ordinal)
            || HasTopLevelAlternation(pattern))
        {
            return null;
        }
        var rest = pattern.AsSpan(2);
        if (rest.Length > 0 && rest[0] == '(')
        {
            // The group's end, escapes skipped; a nested group, a character class or a quantifier on the group: no words.
            var close = -1;
            for (var i = 1; i < rest.Length && close < 0; i++)
            {
                switch (rest[i])
                {
                    case '\\':
                        i++;
                        break;
                    case '(' or '[':
                        return null;
                    case ')':
                        close = i;
                        break;
                }
            }
            if (close < 0 || (close + 1 < rest.Length && rest[close + 1] is '?' or '*' or '{'))
            {
                return null;
            }
            var group = rest[1..close];
            var words = new List<string>();
            foreach (var range in group.Split('|'))
            {
                if (LeadingWord(group[range]) is not { } word)
                {
                    return null;
                }
                words.Add(word);
            }
            return words;
        }
        return LeadingWord(rest) is { } single ? [single] : null;
    }

    // The lower-case ASCII letters an alternative opens with, less the last when a quantifier makes it optional.
    private static string? LeadingWord(ReadOnlySpan<char> text)
    {
        var n = 0;
        while (n < text.Length && text[n] is >= 'a' and <= 'z')
        {
            n++;
        }
        if (n < text.Length && text[n] is '?' or '*' or '{')
        {
            n--;
        }
        return n <= 0 ? null : text[..n].ToString();
    }

    // An unescaped '|' outside every group and character class: the pattern may then match without its first word.
    private static bool HasTopLevelAlternation(string pattern)
    {
        var depth = 0;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    inClass = true;
                    break;
                case ']':
                    inClass = false;
                    break;
                case '(' when !inClass:
                    depth++;
                    break;
                case ')' when !inClass:
                    depth--;
                    break;
                case '|' when !inClass && depth == 0:
                    return true;
            }
        }
        return false;
    }

    // One alternation when the patterns combine; each on its own when they do not (a pattern ending in an (?x) comment
    // would swallow the group's closing parenthesis).
    private static Regex[] Compile(IReadOnlyList<string> patterns)
    {
        if (patterns.Count == 0)
        {
            return [];
        }
        try
        {
            return [new Regex(string.Join('|', patterns.Select(p => "(?:" + p + ")")), Options, Regex.InfiniteMatchTimeout)];
        }
        catch (ArgumentException)
        {
            return [.. patterns.Select(p => new Regex(p, Options, Regex.InfiniteMatchTimeout))];
        }
    }

    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    // No match timeout: NonBacktracking runs in time linear in the text, and a timeout only made a busy machine read a
    // plain request as a request for an exception.

    public IReadOnlyList<string> Phrases { get; }

    public IReadOnlyList<string> Patterns { get; }

    public bool Matches(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        // Every request is matched: a plain ASCII request is folded into a buffer on the stack (or a rented one when
        // long) rather than into a string built, trimmed and padded per submission.
        if (!Ascii.IsValid(text))
        {
            var foldedText = " " + Fold(text) + " ";
            return (_triggers is null || _triggers.AsciiOnly || _triggers.MayMatch(foldedText)) && Matches(foldedText.AsSpan());
        }
        // Folding only lower-cases letters and turns everything else into word breaks, so the words of a plain ASCII
        // request are its runs of letters and digits: one without any trigger word is answered without being folded.
        if (_triggers is not null && !_triggers.MayMatch(text))
        {
            return false;
        }
        var length = text.Length + 2;
        char[]? rented = length <= 512 ? null : ArrayPool<char>.Shared.Rent(length);
        Span<char> buffer = rented is null ? stackalloc char[length] : rented.AsSpan(0, length);
        try
        {
            return Matches(FoldAscii(text, buffer));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // The folded text with one space before and after, so a phrase matches at the start of a word.
    private bool Matches(ReadOnlySpan<char> folded)
    {
        if (_phrases is not null && folded.IndexOfAny(_phrases) >= 0)
        {
            return true;
        }
        foreach (var pattern in _patterns)
        {
            try
            {
                if (pattern.IsMatch(folded))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                return true; // not raised without a timeout; kept so that one set later errs towards escalation
            }
        }
        return false;
    }

    /// <summary>
    /// Lower-case words separated by single spaces: compatibility forms unfolded (full-width letters), accents dropped,
    /// the Cyrillic and Greek letters that look Latin read as Latin, invisible characters removed, every other
    /// non-letter-or-digit a space (hyphens too, so "one-off" is "one off"). A text with Unicode tag characters, which a
    /// person does not see and a model reads as ASCII, is read twice: as a person reads it (the tags dropped) and, after
    /// a " | " that no phrase or word crosses, as a model reads it (each tag as its ASCII letter, in place), so that
    /// words hidden in tags, or split between tags and visible letters, are found, and a single tag letter inside a
    /// visible word does not hide the word.
    /// </summary>
    internal static string Fold(string text)
    {
        if (Ascii.IsValid(text))
        {
            return FoldAscii(text); // most requests: no compatibility forms, accents or look-alikes to unfold
        }
        var normalized = text.Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(normalized.Length);
        FoldInto(sb, normalized);
        var seen = sb.ToString().Trim();
        var modelReads = Review.HiddenCharacters.AsModelReads(normalized);
        if (ReferenceEquals(modelReads, normalized))
        {
            return seen; // no tag characters: one reading
        }
        sb.Clear();
        FoldInto(sb, modelReads);
        var read = sb.ToString().Trim();
        return seen.Length == 0 || seen == read ? read : read.Length == 0 ? seen : seen + " | " + read;
    }

    /// <summary>
    /// The folding of <see cref="Fold"/> as a person reads the text only: tag characters dropped, not read. For matching two
    /// texts as the same name (evidence titles), where a hidden tag must not make one name two.
    /// </summary>
    internal static string FoldAsSeen(string text)
    {
        if (Ascii.IsValid(text))
        {
            return FoldAscii(text);
        }
        var sb = new StringBuilder(text.Length);
        FoldInto(sb, text.Normalize(NormalizationForm.FormKD));
        return sb.ToString().Trim();
    }

    // Appends the folded words of the normalized text.
    private static void FoldInto(StringBuilder sb, string normalized)
    {
        var space = true;
        // By code point, not by UTF-16 unit: an invisible character above U+FFFF (a tag, a variation selector) is a
        // surrogate pair, which must be dropped as one, not read as two breaks inside a word.
        foreach (var rune in normalized.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.Format || Review.HiddenCharacters.IsDefaultIgnorable(rune.Value))
            {
                continue; // accents, zero-width spaces and joiners, tags, variation selectors, fillers, what a font shows as nothing
            }
            if (!rune.IsBmp)
            {
                if (Rune.IsLetterOrDigit(rune))
                {
                    sb.Append(Rune.ToLowerInvariant(rune).ToString());
                    space = false;
                }
                else if (!space)
                {
                    sb.Append(' ');
                    space = true;
                }
                continue;
            }
            var c = Confusable(char.ToLowerInvariant((char)rune.Value));
            if (char.IsLetterOrDigit(c) || c == '\'')
            {
                sb.Append(c == '\'' ? ' ' : c);
                space = c == '\'';
            }
            else if (!space)
            {
                sb.Append(' ');
                space = true;
            }
        }
    }

    // The same folding for the common case of plain ASCII, without the normalization and category lookups.
    private static string FoldAscii(string text)
    {
        Span<char> buffer = text.Length + 2 <= 512 ? stackalloc char[text.Length + 2] : new char[text.Length + 2];
        var padded = FoldAscii(text, buffer);
        return padded[1..^1].ToString();
    }

    // Folds into the buffer (at least text.Length + 2 long) and returns the folded words with one space before and
    // after them, as Matches searches them.
    private static Span<char> FoldAscii(string text, Span<char> buffer)
    {
        var n = 1;
        var space = true;
        foreach (var ch in text)
        {
            if (char.IsAsciiLetterOrDigit(ch))
            {
                buffer[n++] = (char)(ch | 0x20); // lower case for an ASCII letter; digits already have the bit set
                space = false;
            }
            else if (ch == '\'')
            {
                buffer[n++] = ' ';
                space = true;
            }
            else if (!space)
            {
                buffer[n++] = ' ';
                space = true;
            }
        }
        // Trimmed like a string: an apostrophe may have left spaces at either end.
        var start = 1;
        while (start < n && buffer[start] == ' ')
        {
            start++;
        }
        while (n > start && buffer[n - 1] == ' ')
        {
            n--;
        }
        buffer[start - 1] = ' ';
        buffer[n] = ' ';
        return buffer[(start - 1)..(n + 1)];
    }

    private static char Confusable(char c) => c switch
    {
        'а' => 'a', 'в' => 'b', 'е' or 'ё' => 'e', 'і' => 'i', 'ј' => 'j', 'к' => 'k', 'м' => 'm', 'н' => 'h', 'о' => 'o',
        'р' => 'p', 'с' => 'c', 'т' => 't', 'у' => 'y', 'х' => 'x', 'ѕ' => 's', 'ԁ' => 'd', 'ԛ' => 'q', 'ԝ' => 'w',
        'α' => 'a', 'ε' => 'e', 'ι' => 'i', 'κ' => 'k', 'ν' => 'v', 'ο' => 'o', 'ρ' => 'p', 'τ' => 't', 'υ' => 'u', 'χ' => 'x',
        'ӏ' => 'l', 'һ' => 'h', 'ı' => 'i', 'ǀ' => 'l', 'ɑ' => 'a', 'ɡ' => 'g', 'օ' => 'o', 'ո' => 'n', 'ս' => 'u', 'հ' => 'h', 'ց' => 'g',
        _ => c,
    };
}

/// <summary>
/// A quick, one-pass test of whether a text can hold any phrase or pattern of an <see cref="ExceptionLanguage"/>: every
/// phrase needs one of its words (its longest: whole when it is not the phrase's last word, which may end inside a
/// word, else at the start of a word), and every pattern one of its first words (at the start of a word). The words
/// of the text are hashed as they are read, letters lower-cased, anything but an ASCII letter or digit a break; a
/// hash found in a table means "maybe" and the text is searched properly. A false "maybe" costs time, never a miss.
/// </summary>
internal sealed class WordTriggers
{
    private const uint Seed = 2166136261u;
    private const uint Prime = 16777619u;
    // 65,536 bits each: the prefix table is probed at every length a trigger has, for every word, so it must be sparse
    // (a hundred triggers fill 0.15 % of it) for a plain request to pass without a false "maybe".
    private readonly ulong[] _whole = new ulong[1024];
    private readonly ulong[] _prefix = new ulong[1024];
    private ulong _prefixLengths;

    public static WordTriggers Of(IEnumerable<string> foldedPhrases, IEnumerable<string> patternFirstWords)
    {
        var triggers = new WordTriggers();
        foreach (var phrase in foldedPhrases)
        {
            var words = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }
            if (!words.All(IsAsciiWord))
            {
                // Such a phrase never matches a plain ASCII text; for other texts the table cannot vouch for it.
                triggers.AsciiOnly = true;
                continue;
            }
            var longest = 0;
            for (var i = 1; i < words.Length; i++)
            {
                longest = words[i].Length > words[longest].Length ? i : longest;
            }
            if (longest == words.Length - 1)
            {
                triggers.AddPrefix(words[longest]);
            }
            else
            {
                triggers.Add(triggers._whole, Hash(words[longest]));
            }
        }
        foreach (var word in patternFirstWords)
        {
            triggers.AddPrefix(word);
        }
        return triggers;
    }

    /// <summary>Some phrase has letters outside ASCII: the table answers for plain ASCII texts only.</summary>
    public bool AsciiOnly { get; private set; }

    private static bool IsAsciiWord(string word) => word.All(char.IsAsciiLetterOrDigit);

    private void AddPrefix(string word)
    {
        if (word.Length >= 64)
        {
            word = word[..63];
        }
        _prefixLengths |= 1UL << word.Length;
        Add(_prefix, Hash(word));
    }

    private static uint Hash(string word)
    {
        var h = Seed;
        foreach (var c in word)
        {
            h = (h ^ (char.IsAsciiLetterUpper(c) ? (uint)(c | 0x20) : c)) * Prime;
        }
        return h;
    }

    private void Add(ulong[] table, uint hash) => table[hash >> 22] |= 1UL << (int)((hash >> 16) & 63);

    private static bool Has(ulong[] table, uint hash) => (table[hash >> 22] & (1UL << (int)((hash >> 16) & 63))) != 0;

    /// <summary>False only when no phrase or pattern can match the text once it is folded.</summary>
    public bool MayMatch(ReadOnlySpan<char> text)
    {
        var h = Seed;
        var length = 0;
        foreach (var ch in text)
        {
            if (char.IsAsciiLetterOrDigit(ch))
            {
                h = (h ^ (uint)(ch | 0x20)) * Prime; // lower case for a letter; a digit already has the bit
                length++;
                if (length < 64 && ((_prefixLengths >> length) & 1) != 0 && Has(_prefix, h))
                {
                    return true;
                }
            }
            else if (length > 0)
            {
                if (Has(_whole, h))
                {
                    return true;
                }
                h = Seed;
                length = 0;
            }
        }
        return length > 0 && Has(_whole, h);
    }
}
