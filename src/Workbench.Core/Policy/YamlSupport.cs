using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workbench.Core.Policy;

/// <summary>
/// Typed, error-collecting access to a YAML representation tree, shared by the policy loader and the scenario
/// runner. Every complaint carries the node's line and column; nothing here throws for bad input.
/// </summary>
internal sealed partial class YamlSupport(string text, List<PolicyError> errors)
{
    private string[]? _lines;

    public List<PolicyError> Errors { get; } = errors;

    public string Text { get; } = text;

    public static YamlMappingNode? ParseRoot(string text, List<PolicyError> errors, string what)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                errors.Add(new PolicyError(null, 1, 1, $"the {what} must be a YAML mapping"));
                return null;
            }
            return root;
        }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) ? $"{e.Message} {inner.Message}" : e.Message;
            errors.Add(new PolicyError(null, Int(e.Start.Line), Int(e.Start.Column), "YAML syntax: " + message));
            return null;
        }
    }

    public void Error(YamlNode? node, string message, string? ruleId = null)
        => Errors.Add(new PolicyError(ruleId, node is null ? 1 : Int(node.Start.Line), node is null ? 1 : Int(node.Start.Column), message));

    public static int Int(long value) => (int)Math.Clamp(value, 0, int.MaxValue);

    public static YamlNode? Get(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public void CheckKeys(YamlMappingNode map, string where, string? ruleId, params string[] allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } k } || !allowed.Contains(k, StringComparer.Ordinal))
            {
                Error(key, $"unknown key '{(key as YamlScalarNode)?.Value}' in {where} (allowed: {string.Join(", ", allowed)})", ruleId);
            }
        }
    }

    public YamlMappingNode? Mapping(YamlNode? node, string what, string? ruleId = null, bool required = true)
    {
        if (node is null)
        {
            return null;
        }
        if (node is YamlMappingNode m)
        {
            return m;
        }
        if (IsNull(node) && !required)
        {
            return null;
        }
        Error(node, $"{what} must be a mapping", ruleId);
        return null;
    }

    public YamlSequenceNode? Sequence(YamlNode? node, string what, string? ruleId = null)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }
        if (node is YamlSequenceNode s)
        {
            return s;
        }
        Error(node, $"{what} must be a list", ruleId);
        return null;
    }

    public static bool IsNull(YamlNode node)
        => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    public string? String(YamlNode? node, string what, string? ruleId = null)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }
        if (node is YamlScalarNode s)
        {
            return s.Value;
        }
        Error(node, $"{what} must be a scalar", ruleId);
        return null;
    }

    public double? Number(YamlNode? node, string what, string? ruleId = null)
    {
        var s = String(node, what, ruleId);
        if (s is null)
        {
            return null;
        }
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }
        Error(node, $"{what} must be a number, not '{s}'", ruleId);
        return null;
    }

    public bool? Bool(YamlNode? node, string what, string? ruleId = null)
    {
        var s = String(node, what, ruleId);
        switch (s)
        {
            case null:
                return null;
            case "true" or "True" or "yes":
                return true;
            case "false" or "False" or "no":
                return false;
            default:
                Error(node, $"{what} must be true or false, not '{s}'", ruleId);
                return null;
        }
    }

    public List<string> Strings(YamlNode? node, string what, string? ruleId = null)
    {
        var list = new List<string>();
        if (node is YamlScalarNode scalar && !IsNull(scalar))
        {
            list.Add(scalar.Value!);
            return list;
        }
        if (Sequence(node, what, ruleId) is { } seq)
        {
            foreach (var item in seq)
            {
                if (String(item, what, ruleId) is { } s)
                {
                    list.Add(s);
                }
            }
        }
        return list;
    }

    /// <summary>Parses a snake_case name into an enum member (<c>await_approval</c> → AwaitApproval).</summary>
    public TEnum? Enum<TEnum>(YamlNode? node, string what, string? ruleId = null)
        where TEnum : struct, Enum
    {
        var s = String(node, what, ruleId);
        if (s is null)
        {
            return null;
        }
        if (TryParseSnake<TEnum>(s, out var value))
        {
            return value;
        }
        var names = string.Join(", ", System.Enum.GetNames<TEnum>().Select(ToSnake));
        Error(node, $"{what} '{s}' is not one of {names}", ruleId);
        return null;
    }

    public static bool TryParseSnake<TEnum>(string s, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        return SnakeName().IsMatch(s) && System.Enum.TryParse(s.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out value);
    }

    public static string ToSnake<TEnum>(TEnum value)
        where TEnum : struct, Enum => ToSnake(value.ToString());

    public static string ToSnake(string pascal)
        => string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    public TimeSpan? Duration(YamlNode? node, string what, string? ruleId = null)
        => DurationParts(node, what, ruleId) is { } d ? TimeSpan.FromDays(d.Days) + d.Time : null;

    /// <summary>A duration's days apart from the rest: an SLA on business hours counts a day as a business day.</summary>
    public (int Days, TimeSpan Time)? DurationParts(YamlNode? node, string what, string? ruleId = null)
    {
        var s = String(node, what, ruleId);
        if (s is null)
        {
            return null;
        }
        var m = DurationPattern().Match(s);
        if (!m.Success || s.Length == 0)
        {
            Error(node, $"{what} '{s}' is not a duration like 30m, 2h, 1d or 1h30m", ruleId);
            return null;
        }
        static int Part(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        return (Part(m.Groups["d"]), new TimeSpan(Part(m.Groups["h"]), Part(m.Groups["m"]), Part(m.Groups["s"])));
    }

    /// <summary>1-based line and column of the character at <paramref name="offset"/> in a scalar's value.</summary>
    public (int Line, int Column) Locate(YamlScalarNode node, int offset)
    {
        _lines ??= Text.Split('\n');
        var line = Int(node.Start.Line);
        var column = Int(node.Start.Column);
        var value = node.Value ?? "";
        if (node.Style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            // Block scalar: content starts on the line after the header, each source line minus its indentation.
            var indent = -1;
            var valuePos = 0;
            for (var l = line; l < _lines.Length; l++)
            {
                var src = _lines[l].TrimEnd('\r');
                if (src.Trim().Length == 0)
                {
                    valuePos++;
                    continue;
                }
                if (indent < 0)
                {
                    indent = src.Length - src.TrimStart(' ').Length;
                }
                var content = Math.Max(0, src.Length - indent);
                if (offset <= valuePos + content)
                {
                    return (l + 1, indent + (offset - valuePos) + 1);
                }
                valuePos += content + 1;
            }
            return (line + 1, 1);
        }
        var quote = node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
        var firstBreak = value.IndexOf('\n');
        if (firstBreak < 0 || offset <= firstBreak)
        {
            return (line, column + quote + offset);
        }
        // Multi-line flow scalar: later lines are folded; find the source line by counting segments.
        var before = value[..offset];
        var segments = before.Split('\n');
        var targetLine = line + segments.Length - 1;
        var srcLine = targetLine - 1 < _lines.Length ? _lines[targetLine - 1] : "";
        var lead = srcLine.Length - srcLine.TrimStart(' ').Length;
        return (targetLine, lead + segments[^1].Length + 1);
    }

    [GeneratedRegex("^[a-z]+(_[a-z]+)*$")]
    private static partial Regex SnakeName();

    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex DurationPattern();
}
