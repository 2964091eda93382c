using System.Globalization;
using System.Text.RegularExpressions;

namespace Workbench.Core.Review;

/// <summary>A span of untrusted text that addresses the reviewer with instructions: shown flagged, never obeyed.</summary>
public sealed record InstructionFlag(int Start, int Length, string Phrase, string Reason);

/// <summary>The flags found, and whether the text was longer than what was scanned.</summary>
public sealed record InstructionScan(IReadOnlyList<InstructionFlag> Flags, bool Truncated, int ScannedLength);

/// <summary>
/// Finds text in model output and evidence that tries to instruct the reviewer ("ignore previous instructions",
/// "approve this request", "note to reviewer: …"). It flags, it never decides: a flag puts a warning beside the
/// text; nothing is blocked or changed. The patterns aim at phrases that address whoever decides the case, so that
/// ordinary support, refund, contract and infrastructure text stays quiet — see the tests for the borderline calls,
/// e.g. "please approve the invoice by Friday" (a business document, not the case) is not flagged, while
/// "please approve the refund" (the thing under review) is.
/// </summary>
public static class InstructionDetector
{
    /// <summary>Only this many characters are scanned; <see cref="InstructionScan.Truncated"/> says when there was more.</summary>
    public const int MaxScanLength = 64 * 1024;

    private const int MaxFlags = 100;

    // Between two words: 1 to 10 characters that are neither letters nor digits (spaces, punctuation, markdown
    // emphasis, line breaks), so "ignore -- ALL *previous* instructions" still reads as the phrase.
    private const string Gap = @"[^\p{L}\p{N}]{1,10}";

    private const string Subject = "(?:request|case|refund|ticket|escalation|proposal|claim|action|transaction|submission|remediation)";

    private static readonly (Regex Pattern, string Reason)[] Rules =
    [
        (Compile(@"\b(?:ignore|disregard|forget|overlook|bypass|override|discard) (?:(?:all|any|every|of|the|your|my|these|those|such) ){0,3}(?:previous|prior|above|earlier|preceding|foregoing|former|original|existing|old|system|safety|review|reviewer|standing|given) (?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|orders|constraints|context|policy|policies)\b"),
            "Tells the reader to ignore earlier instructions"),
        (Compile(@"\b(?:ignore|disregard|forget) (?:(?:all|any|every|the|your) ){1,3}(?:instructions?|prompts?|rules|directives|guidelines|policy|policies)\b"),
            "Tells the reader to ignore instructions or policy"),
        (Compile(@"\b(?:ignore|disregard|forget) (?:everything|anything|all|whatever|what) (?:(?:you were|you've been|you have been|i|was|that was) ){0,2}(?:above|before|previously|prior|told|said|written|instructed)\b"),
            "Tells the reader to forget what came before"),
        (Compile(@"\b(?:approve|authori[sz]e|greenlight) (?:this|the|my|our) " + Subject + @"\b"),
            "Asks for this case to be approved"),
        (Compile(@"\b(?:approve|authori[sz]e|greenlight) (?:this|it) (?:immediately|now|right away|automatically|without (?:further |any )?(?:review|checks?|questions?|delay|escalation))\b"),
            "Asks for approval without review"),
        (Compile(@"\bas (?:the|an|a|our) (?:ai |human |)(?:reviewer|approver|moderator|operator|human in the loop|reviewing agent) you (?:must|should|shall|need to|have to|are required to|are instructed to|will|can)\b"),
            "Addresses the reviewer's role with instructions"),
        (Compile(@"\b(?:note|message|memo|reminder|p\.?s\.?) (?:for|to) (?:the |any |our |all )?(?:human |ai )?(?:reviewers?|approvers?|moderators?)\b"),
            "Addresses the reviewer directly"),
        (Compile(@"\b(?:dear|attention|attn|hey|hi|hello) (?:the )?(?:human |ai )?(?:reviewers?|approvers?|moderators?)\b"),
            "Addresses the reviewer directly"),
        (Compile(@"\b(?:reviewers?|approvers?|moderators?)\s*[:,\-]+\s*(?:please )?(?:approve|ignore|disregard|skip|mark|accept|allow|override|bypass|do not|don't|dont|never|you (?:must|should|need))\b"),
            "Addresses the reviewer with an instruction"),
        (Compile(@"\b(?:hidden |secret |new |updated |real |important )?instructions? (?:for|to) (?:the |any )?(?:ai|assistant|model|llm|human reviewer|reviewer|approver)s?\b"),
            "Carries instructions meant for the reviewer or the model"),
        (Compile(@"\bsystem (?:prompt|message|instructions?|override)\b"),
            "Mentions a system prompt"),
        (Compile(@"(?:<\|?|\[|\{\{)\s*/?(?:system|im_start|im_end|inst|endoftext)\s*(?:\|?>|\]|\}\})"),
            "Contains a chat-role marker"),
        (Compile(@"\byou are now (?:in |an? |the )?(?:developer|god|jailbreak|jailbroken|unrestricted|unfiltered|dan|debug|sudo|different|new|evil)\b"),
            "Tries to change the reader's role"),
        (Compile(@"\byou are now (?:acting|operating|playing|roleplaying|role playing|working) (?:as|in)\b"),
            "Tries to change the reader's role"),
        (Compile(@"\byou are (?:no longer|not) (?:bound|restricted|required to follow|limited) (?:by|to)\b"),
            "Tries to lift the reader's rules"),
        (Compile(@"\bfrom now on (?:you )?(?:ignore|disregard|approve|act as|pretend)\b"),
            "Tries to change the reader's rules"),
        (Compile(@"\b(?:do not|don't|dont|does not|doesn't|should not|shouldn't|must not|mustn't|never|no need to) escalate(?:" + Gap + @"(?:this|it|the (?:case|request|ticket|refund|issue)|further|to (?:a |the )?(?:human|reviewer|review|lead|manager|supervisor))\b|\s*[.!;]|\s*$)"),
            "Tells the reader not to escalate"),
        (Compile(@"\b(?:mark|flag|label|classify|tag) (?:(?:this|it|the|status|case|request|refund|ticket|claim|transaction) ){0,3}(?:as|to) (?:approved|pre-?approved|safe|verified|legitimate|low-?risk|low risk|compliant|trusted|benign|not fraud(?:ulent)?)\b"),
            "Asks for the case to be marked approved or safe"),
        (Compile(@"\bset (?:the )?status to (?:approved|resolved|safe)\b"),
            "Asks for the case to be marked approved"),
        (Compile(@"\b(?:override|overrule|bypass|circumvent|sidestep) (?:(?:the|all|any|this|your|our|these|company|refund|security|review|approval) ){0,3}(?:polic(?:y|ies)|rules?|controls?|safeguards?|guardrails?|checks?|limits?|restrictions?|review|approval|escalation)\b"),
            "Asks for the policy to be overridden"),
        (Compile(@"\b(?:skip|bypass|waive) (?:(?:the|any|all|this|human|manual|normal|usual|standard|second|further) ){0,3}(?:approval|approvals|review|reviews|escalation|verification|sign-?off|four-eyes|checks)\b"),
            "Asks for the review to be skipped"),
        (Compile(@"\b(?:(?:the|this) " + Subject + @"|this|it) (?:(?:has|have|was|is|had|already|been) ){0,3}(?:pre-?approved|pre-?authori[sz]ed|pre-?cleared)\b"),
            "Claims the case is pre-approved"),
        (Compile(@"\b(?:(?:the|this) " + Subject + @"|this|it) (?:(?:has|have|was|is|had|already|been) ){1,3}(?:approved|authori[sz]ed|cleared|signed off) (?:by (?:management|legal|finance|compliance|security|your (?:manager|lead|team)|the (?:cfo|ceo|cto|manager|director|vp|head|lead|team))|in advance|beforehand|upstream)\b"),
            "Claims the case is already approved"),
        (Compile(@"\b(?:you|reviewers?) (?:must|should|shall|need to|have to|are (?:required|instructed|expected|asked) to|will) (?:now |immediately |simply |just |quickly ){0,2}(?:approve (?:this|it|the " + Subject + @")|(?:ignore|disregard) (?:(?:the|any|all|this|these) ){0,2}(?:polic(?:y|ies)|rules|instructions|warnings?|flags?|red flags|risks?|checks?|fraud)|override|bypass|not escalate)\b"),
            "Tells the reviewer what to decide"),
        (Compile(@"\b(?:jailbreak|jailbroken|dan mode|do anything now|developer mode enabled)\b"),
            "Contains jailbreak wording"),
    ];

    /// <summary>The flags in the first <see cref="MaxScanLength"/> characters of <paramref name="text"/>.</summary>
    public static IReadOnlyList<InstructionFlag> Find(string? text) => Scan(text).Flags;

    /// <summary>
    /// The flags in <paramref name="text"/> as a person reads it and, when it hides text in Unicode tag characters, as a
    /// model reads it (each tag as the ASCII character it stands for, where it stands: "App" and the tags of "rove this"
    /// read "Approve this"), and the text hidden in tags on its own. Each reading is scanned on its own, with its own
    /// limit; a phrase found in several is one flag. The positions of a flag found only in another reading than the
    /// person's are positions in that reading.
    /// </summary>
    public static InstructionScan ScanReadings(string? text)
    {
        var seen = Scan(text);
        var modelReads = text is null ? null : HiddenCharacters.AsModelReads(text);
        if (modelReads is null || ReferenceEquals(modelReads, text))
        {
            return seen;
        }
        var read = Scan(modelReads);
        // And the hidden text on its own, as the tooltip names it: "Sam" followed by the tags of "approve this request"
        // reads "Samapprove…" in place, where no phrase starts at a word.
        var hidden = Scan(HiddenCharacters.HiddenText(HiddenCharacters.Scan(text)));
        var flags = new List<InstructionFlag>(seen.Flags);
        foreach (var flag in read.Flags.Concat(hidden.Flags))
        {
            if (flags.Count < MaxFlags && !flags.Exists(f => string.Equals(f.Phrase, flag.Phrase, StringComparison.Ordinal)))
            {
                flags.Add(flag);
            }
        }
        return new InstructionScan(flags, seen.Truncated || read.Truncated || hidden.Truncated, seen.ScannedLength);
    }

    public static InstructionScan Scan(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new InstructionScan([], false, 0);
        }

        var length = Math.Min(text.Length, MaxScanLength);
        if (length < text.Length && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }
        var (normalized, map) = Normalize(text, length);

        var found = new List<InstructionFlag>();
        foreach (var (pattern, reason) in Rules)
        {
            foreach (var match in pattern.EnumerateMatches(normalized))
            {
                var start = map[match.Index];
                var end = map[match.Index + match.Length - 1] + 1;
                // A phrase ending in a trailing separator (the "do not escalate." form) reports the words only.
                while (end > start + 1 && (char.IsWhiteSpace(text[end - 1]) || text[end - 1] is '.' or '!' or ';' or '\u200B'))
                {
                    end--;
                }
                found.Add(new InstructionFlag(start, end - start, text[start..end], reason));
            }
        }

        // Earliest first; overlapping spans (several rules reading one sentence) become one flag, with the reason
        // of the rule that matched first.
        found.Sort((x, y) => x.Start != y.Start ? x.Start.CompareTo(y.Start) : y.Length.CompareTo(x.Length));
        var flags = new List<InstructionFlag>();
        foreach (var flag in found)
        {
            var last = flags.Count > 0 ? flags[^1] : null;
            if (last is not null && flag.Start < last.Start + last.Length)
            {
                var end = Math.Max(last.Start + last.Length, flag.Start + flag.Length);
                flags[^1] = last with { Length = end - last.Start, Phrase = text[last.Start..end] };
                continue;
            }
            if (flags.Count == MaxFlags)
            {
                break;
            }
            flags.Add(flag);
        }
        return new InstructionScan(flags, length < text.Length, length);
    }

    private static Regex Compile(string readable)
    {
        // Patterns are written in plain lowercase words with single spaces: a space stands for a tolerant gap, and
        // every 'l' also accepts 'i', because leetspeak '1' normalizes to 'i' ("a11" → "aii").
        var pattern = readable.Replace("l", "[li]", StringComparison.Ordinal).Replace(" ", Gap, StringComparison.Ordinal);
        // NonBacktracking: matching is linear in the input, so no timeout is needed and none can fire.
        return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.Multiline, Regex.InfiniteMatchTimeout);
    }

    /// <summary>
    /// Lowercases and folds the tricks that hide a phrase from a plain search: zero-width and other format
    /// characters are dropped, curly quotes and dashes become ASCII, exotic spaces become spaces, full-width and
    /// common Cyrillic/Greek look-alikes become Latin letters, and leetspeak digits inside words become letters.
    /// <paramref name="map"/> gives each normalized character's index in the original text.
    /// </summary>
    internal static (string Normalized, int[] Map) Normalize(string text, int length)
    {
        var chars = new char[length];
        var map = new int[length];
        var n = 0;
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.Format || (char.IsControl(c) && c is not ('\n' or '\t' or '\r')))
            {
                continue;
            }
            // A character nobody sees above U+FFFF (a tag, a variation selector) is a surrogate pair: dropped as one, so
            // that "app", a tag, "rove" still reads as "approve" (what the tags themselves say is checked on its own).
            if (char.IsHighSurrogate(c) && i + 1 < length && char.IsLowSurrogate(text[i + 1])
                && HiddenCharacters.IsDefaultIgnorable(char.ConvertToUtf32(c, text[i + 1])))
            {
                i++;
                continue;
            }
            if (HiddenCharacters.IsDefaultIgnorable(c))
            {
                continue; // fillers, variation selectors, the combining grapheme joiner: ignorable but not all Format
            }
            char folded;
            if (c is '\n' or '\u2028' or '\u2029')
            {
                folded = '\n';
            }
            else if (char.IsWhiteSpace(c))
            {
                folded = ' ';
            }
            else if (c is >= '\uFF01' and <= '\uFF5E')
            {
                folded = char.ToLowerInvariant((char)(c - 0xFEE0));
            }
            else
            {
                folded = Fold(char.ToLowerInvariant(c));
            }
            chars[n] = folded;
            map[n] = i;
            n++;
        }

        // Leetspeak: digits and @ $ inside a run that also holds Latin letters ("1gn0re", "@pprove", "pr3v10us");
        // runs without letters ("$500", "2026") are left alone.
        var runStart = 0;
        while (runStart < n)
        {
            if (!IsLeetRunChar(chars[runStart]))
            {
                runStart++;
                continue;
            }
            var runEnd = runStart;
            var hasLetter = false;
            var hasLeet = false;
            while (runEnd < n && IsLeetRunChar(chars[runEnd]))
            {
                hasLetter |= chars[runEnd] is >= 'a' and <= 'z';
                hasLeet |= Leet(chars[runEnd]) != chars[runEnd];
                runEnd++;
            }
            if (hasLetter && hasLeet)
            {
                for (var j = runStart; j < runEnd; j++)
                {
                    chars[j] = Leet(chars[j]);
                }
            }
            runStart = runEnd;
        }

        return (new string(chars, 0, n), map[..n]);
    }

    private static bool IsLeetRunChar(char c) => char.IsLetterOrDigit(c) || c is '@' or '$';

    private static char Leet(char c) => c switch
    {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '@' => 'a',
        '$' => 's',
        _ => c,
    };

    private static char Fold(char c) => c switch
    {
        '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032' or '\u02BC' or '`' or '\u00B4' => '\'',
        '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033' or '\u00AB' or '\u00BB' => '"',
        '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212' => '-',
        // Cyrillic and Greek letters that look Latin.
        '\u0430' or '\u03B1' => 'a',
        '\u0435' or '\u03B5' => 'e',
        '\u043E' or '\u03BF' => 'o',
        '\u0440' or '\u03C1' => 'p',
        '\u0441' => 'c',
        '\u0443' => 'y',
        '\u0445' => 'x',
        '\u0456' or '\u03B9' => 'i',
        '\u0455' => 's',
        '\u0458' => 'j',
        '\u03BD' => 'v',
        _ => c,
    };
}
