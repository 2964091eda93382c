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

    private readonly string[] _phrases;
    private readonly Regex[] _patterns;

    /// <summary>Patterns are compiled NonBacktracking: a policy's regular expression cannot make a submission hang the engine.</summary>
    public ExceptionLanguage(IReadOnlyList<string> phrases, IReadOnlyList<string> patterns)
    {
        Phrases = phrases;
        Patterns = patterns;
        // A phrase starts at a word and may end inside one: "override" also finds "overrides", "waive" finds "waiver".
        _phrases = [.. phrases.Select(p => " " + Fold(p)).Where(p => p.Trim().Length > 0)];
        _patterns = [.. patterns.Select(p => new Regex(p, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)))];
    }

    public IReadOnlyList<string> Phrases { get; }

    public IReadOnlyList<string> Patterns { get; }

    public bool Matches(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var folded = " " + Fold(text) + " ";
        foreach (var phrase in _phrases)
        {
            if (folded.Contains(phrase, StringComparison.Ordinal))
            {
                return true;
            }
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
                return true; // errs towards escalation, like the policy language's `matches`
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

    private static char Confusable(char c) => c switch
    {
        'а' => 'a', 'в' => 'b', 'е' or 'ё' => 'e', 'і' => 'i', 'ј' => 'j', 'к' => 'k', 'м' => 'm', 'н' => 'h', 'о' => 'o',
        'р' => 'p', 'с' => 'c', 'т' => 't', 'у' => 'y', 'х' => 'x', 'ѕ' => 's', 'ԁ' => 'd', 'ԛ' => 'q', 'ԝ' => 'w',
        'α' => 'a', 'ε' => 'e', 'ι' => 'i', 'κ' => 'k', 'ν' => 'v', 'ο' => 'o', 'ρ' => 'p', 'τ' => 't', 'υ' => 'u', 'χ' => 'x',
        _ => c,
    };
}
