using System.Text;
using System.Text.RegularExpressions;
using Workbench.Contracts;

namespace Workbench.Core.Review;

/// <summary>One run of a rendered message: template text, a filled value, or a placeholder left unfilled.</summary>
/// <param name="Text">The text as it stands in the rendered message (for a missing variable, the placeholder itself).</param>
/// <param name="Variable">The variable's name when the run came from a placeholder; null for template text.</param>
/// <param name="Missing">True when the placeholder had no value and stays in the message as it was written.</param>
public sealed record MessageSegment(string Text, string? Variable = null, bool Missing = false);

/// <summary>
/// A template filled from its variables: the text as it will be sent, the runs it is made of (for showing which
/// parts came from which variable), and which placeholders were filled and which are still missing.
/// </summary>
public sealed record RenderedMessage(string Text, IReadOnlyList<MessageSegment> Segments, IReadOnlyList<string> Filled, IReadOnlyList<string> Missing)
{
    /// <summary>Every placeholder of the template had a value.</summary>
    public bool IsComplete => Missing.Count == 0;
}

/// <summary>
/// Fills a response template's <c>{{name}}</c> placeholders from its variables. Both come from the AI system (or a
/// reviewer's edit) and are untrusted: the template is scanned once and each value is inserted as it is, never scanned
/// again, so a value that contains <c>{{other}}</c> stays that literal text (no recursive substitution). A placeholder
/// without a value (or with a blank one) stays in the text as written, so a gap is visible rather than silently blank. The renderer knows
/// nothing of Markdown or HTML: showing the result safely is the page's job (SafeMarkdown).
/// </summary>
public static partial class MessageTemplate
{
    /// <summary>The placeholder grammar: the variable-name characters the intake accepts, spaces allowed inside the braces.</summary>
    public const string PlaceholderPattern = @"\{\{\s*([A-Za-z0-9_.-]{1,64})\s*\}\}";

    public static RenderedMessage Render(string? template, IReadOnlyDictionary<string, string>? variables)
    {
        template ??= "";
        var segments = new List<MessageSegment>();
        var filled = new List<string>();
        var missing = new List<string>();
        var text = new StringBuilder(template.Length);
        var at = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            if (m.Index > at)
            {
                segments.Add(new MessageSegment(template[at..m.Index]));
            }
            var name = m.Groups[1].Value;
            // An empty value fills nothing: the gap stays visible instead of going out as a blank.
            if (variables is not null && variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                segments.Add(new MessageSegment(value, name));
                AddOnce(filled, name);
            }
            else
            {
                segments.Add(new MessageSegment(m.Value, name, Missing: true));
                AddOnce(missing, name);
            }
            at = m.Index + m.Length;
        }
        if (at < template.Length)
        {
            segments.Add(new MessageSegment(template[at..]));
        }
        foreach (var s in segments)
        {
            text.Append(s.Text);
        }
        return new RenderedMessage(text.ToString(), segments, filled, missing);
    }

    /// <summary>The names of the placeholders in a template, each once, in order of first appearance.</summary>
    public static IReadOnlyList<string> PlaceholdersOf(string? template)
    {
        var names = new List<string>();
        foreach (Match m in Placeholder().Matches(template ?? ""))
        {
            AddOnce(names, m.Groups[1].Value);
        }
        return names;
    }

    private static void AddOnce(List<string> names, string name)
    {
        if (!names.Contains(name, StringComparer.Ordinal))
        {
            names.Add(name);
        }
    }

    [GeneratedRegex(PlaceholderPattern)]
    private static partial Regex Placeholder();
}

/// <summary>The decision's response fields, filled the one way every path (review, policy, timeout) fills them.</summary>
public static class DecisionResponse
{
    /// <summary>
    /// The decision with the message as it will be sent (the template rendered), the template and its variables; all
    /// three absent when nothing is released (a reject, a timeout that rejects, an action-only proposal).
    /// </summary>
    public static DecisionView WithResponse(this DecisionView decision, string? template, IReadOnlyDictionary<string, string>? variables) =>
        template is null
            ? decision with { ResponseText = null, ResponseTemplate = null, ResponseVariables = null }
            : decision with { ResponseText = MessageTemplate.Render(template, variables).Text, ResponseTemplate = template, ResponseVariables = variables };
}
