using System.Text.RegularExpressions;

namespace Workbench.Core.Review;

/// <summary>
/// The <c>@name</c> mentions in a note: a name of user-name characters after an <c>@</c> that does not follow a
/// letter or digit (so an e-mail address mentions nobody), without the full stop that ends a sentence.
/// </summary>
public static partial class Mentions
{
    public const int MaxPerNote = 10;

    /// <summary>The names mentioned, each once, in order of first appearance (case as written).</summary>
    public static IReadOnlyList<string> In(string? text)
    {
        var names = new List<string>();
        foreach (Match m in Mention().Matches(text ?? ""))
        {
            var name = m.Groups[1].Value.TrimEnd('.', '-');
            if (name.Length > 0 && !names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(name);
            }
        }
        return names;
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{1,128})")]
    private static partial Regex Mention();
}
