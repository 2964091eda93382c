using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbench.Web.Mcp;

/// <summary>
/// A tool call's arguments checked against the tool's published input schema before the tool runs, so that every
/// wrong argument is a validation problem keyed by the argument's name (and never the MCP library's "An error occurred
/// invoking …" or a .NET type name): an unknown argument, a missing one, a wrong JSON type, a UUID that is not one, an
/// integer out of range, a string too long or off its pattern. The members inside an object argument (the submission,
/// the signals) are then read by the REST endpoint's own strict reader and validator.
/// </summary>
public static class McpArguments
{
    public static IDictionary<string, string[]> Check(McpToolContract contract, IEnumerable<KeyValuePair<string, JsonElement>>? given)
    {
        var arguments = (given ?? []).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var errors = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        var properties = contract.Input["properties"]!.AsObject();
        foreach (var name in arguments.Keys.Where(n => !properties.ContainsKey(n)))
        {
            errors[name] = [$"Unknown argument: this tool takes {string.Join(", ", contract.Arguments)}."];
        }
        foreach (var name in contract.Required.Where(n => !arguments.ContainsKey(n)))
        {
            errors[name] = ["Required."];
        }
        foreach (var (name, value) in arguments)
        {
            if (properties[name] is JsonObject schema && Problem(value, schema) is { } problem)
            {
                errors[name] = [problem];
            }
        }
        return errors;
    }

    /// <summary>What is wrong with one argument's value under its schema, or null.</summary>
    private static string? Problem(JsonElement value, JsonObject schema)
    {
        var types = Types(schema);
        var kind = Kind(value);
        if (types.Count > 0 && !types.Contains(kind) && !(kind == "integer" && types.Contains("number")))
        {
            var wanted = string.Join(" or ", types.Select(Article));
            return schema["format"]?.GetValue<string>() == "uuid"
                ? $"Must be {wanted} holding a UUID, not {Article(kind)}."
                : $"Must be {wanted}, not {Article(kind)}.";
        }
        return kind switch
        {
            "string" => StringProblem(value.GetString()!, schema),
            "integer" or "number" => NumberProblem(value.GetDecimal(), schema),
            _ => null,
        };
    }

    private static string? StringProblem(string text, JsonObject schema)
    {
        if (schema["format"]?.GetValue<string>() == "uuid" && !Guid.TryParse(text, out _))
        {
            return "Must be a UUID (the case id from the receipt of request_human_review).";
        }
        var min = schema["minLength"]?.GetValue<int>();
        var max = schema["maxLength"]?.GetValue<int>();
        if (text.Length < (min ?? 0) || (max is { } m && text.Length > m))
        {
            return max is null ? $"Must be at least {min} characters." : $"Must be {min ?? 0} to {max} characters.";
        }
        if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return $"Must match {pattern}.";
        }
        return null;
    }

    private static string? NumberProblem(decimal number, JsonObject schema)
    {
        var min = Bound(schema["minimum"]);
        var max = Bound(schema["maximum"]);
        if ((min is { } low && number < low) || (max is { } high && number > high))
        {
            var range = (min, max) switch
            {
                ({ } a, { } b) => $"Must be between {a} and {b}.",
                ({ } a, null) => $"Must be at least {a}.",
                _ => $"Must be at most {max}.",
            };
            // The description says why the range is what it is (wait_seconds: the clients' request timeout).
            return schema["description"]?.GetValue<string>() is { } why ? $"{range} {why}" : range;
        }
        return null;
    }

    // The document writes a bound as a number or, for a decimal, as a string.
    private static decimal? Bound(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => decimal.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => decimal.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture),
        _ => null,
    };

    private static List<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => many.Select(t => t!.GetValue<string>()).ToList(),
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };

    private static string Article(string type) => type switch
    {
        "integer" => "an integer",
        "object" => "an object",
        "array" => "an array",
        "null" => "null",
        "boolean" => "true or false",
        _ => "a " + type,
    };
}
