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
            return Matches((" " + Fold(text) + " ").AsSpan());
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
    /// non-letter-or-digit a space (hyphens too, so "one-off" is "one off").
    /// </summary>
    internal static string Fold(string text)
    {
        if (Ascii.IsValid(text))
        {
            return FoldAscii(text); // most requests: no compatibility forms, accents or look-alikes to unfold
        }
        var normalized = text.Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(normalized.Length);
        var space = true;
        foreach (var ch in normalized)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(ch);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.Format)
            {
                continue; // accents, zero-width spaces and joiners
            }
            var c = Confusable(char.ToLowerInvariant(ch));
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
        return sb.ToString().Trim();
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
        _ => c,
    };
}
