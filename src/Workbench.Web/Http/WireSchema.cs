using System.Text.Json.Serialization.Metadata;

namespace Workbench.Web.Http;

/// <summary>A limit the server enforces on one member, as JSON Schema says it.</summary>
public sealed record WireRule
{
    public string? Format { get; init; }
    public decimal? Minimum { get; init; }
    public decimal? Maximum { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public string? Pattern { get; init; }
    public int? MaxItems { get; init; }
    public int? MaxProperties { get; init; }
    /// <summary>The pattern every key of an object member must match (signals, variables).</summary>
    public string? KeyPattern { get; init; }
    /// <summary>What the server takes when the member is left out (a JSON literal).</summary>
    public string? Default { get; init; }
    /// <summary>A free JSON member that must be an object (metadata).</summary>
    public bool ObjectOnly { get; init; }
}

/// <summary>
/// What the wire contract says beyond the CLR types, in one place for the OpenAPI document and the MCP tools' schemas:
/// which members a request must carry (exactly those the strict body reader and <c>SubmissionValidator</c> refuse to
/// miss), which members a response always carries, the enums' snake_case values, and the limits the validator applies.
/// </summary>
public static class WireSchema
{
    /// <summary>A name of letters, digits, '.', '_' or '-' (workflow task types, tools, template variables).</summary>
    public const string NamePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";
    public const string SignalNamePattern = "^[a-z][a-z0-9_]{0,63}$";
    /// <summary>The Idempotency-Key header: 1–255 visible ASCII characters.</summary>
    public const string IdempotencyKeyPattern = "^[!-~]{1,255}$";

    /// <summary>The snake_case spelling of each value of an enum (the only spelling the API reads or writes).</summary>
    public static IReadOnlyList<string> EnumValues(Type enumType) =>
        Enum.GetNames(enumType).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)).ToArray();

    /// <summary>
    /// Whether a request must carry the member. Missing members are never refused by the reader (it fills in the
    /// CLR default); the validator refuses a missing non-nullable reference the contract declares required. Value types
    /// left out take their default (documented as <c>default</c>), except the few the server checks for presence.
    /// </summary>
    public static bool RequiredInRequest(JsonPropertyInfo property)
    {
        if (PresenceChecked.Contains((property.DeclaringType, property.Name)))
        {
            return true;
        }
        if (property.PropertyType.IsValueType || property.IsSetNullable || property.IsGetNullable)
        {
            return false;
        }
        return property.IsRequired || property.AssociatedParameter is { HasDefaultValue: false, IsMemberInitializer: false };
    }

    /// <summary>A response omits null members (<c>WhenWritingNull</c>): it always carries the rest.</summary>
    public static bool RequiredInResponse(JsonPropertyInfo property) =>
        property.Get is not null && !property.IsGetNullable && Nullable.GetUnderlyingType(property.PropertyType) is null &&
        property.PropertyType != typeof(JsonElement?);

    // Value-type members whose absence the server refuses (a missing downstream outcome must not read as "correct").
    private static readonly HashSet<(Type, string)> PresenceChecked = [(typeof(OutcomeReport), "outcome")];

    /// <summary>The limits the validator applies to a member of a request type, with the configured intake limits.</summary>
    public static WireRule? Rule(Type declaringType, string member, IntakeLimits limits) => (declaringType.Name, member) switch
    {
        (nameof(CaseSubmission), "externalId") => new() { MinLength = 1, MaxLength = 255 },
        (nameof(CaseSubmission), "workflow") => new() { MinLength = 1, MaxLength = 128 },
        (nameof(CaseSubmission), "taskType") => new() { Pattern = NamePattern },
        (nameof(CaseSubmission), "riskTier") => new() { Minimum = 0, Maximum = 3 },
        (nameof(CaseSubmission), "request") => new() { MinLength = 1, MaxLength = limits.MaxRequestBytes },
        (nameof(CaseSubmission), "evidence") => new() { MaxItems = limits.MaxEvidenceItems, Default = "[]" },
        (nameof(CaseSubmission), "claims") => new() { MaxItems = limits.MaxClaims, Default = "[]" },
        (nameof(CaseSubmission), "toolTrace") => new() { MaxItems = limits.MaxToolSteps, Default = "[]" },
        (nameof(CaseSubmission), "signals") => new() { MaxProperties = limits.MaxSignals, KeyPattern = SignalNamePattern, Default = "{}" },
        (nameof(CaseSubmission), "callbackUrl") => new() { Format = "uri", MaxLength = 2048 },
        (nameof(CaseSubmission), "metadata") => new() { ObjectOnly = true },
        (nameof(Requester), "id") => new() { MinLength = 1, MaxLength = 255 },
        (nameof(Requester), "role") => new() { MaxLength = 64 },
        (nameof(Requester), "authenticated") => new() { Default = "false" },
        (nameof(ResponseProposal), "body") => new() { MinLength = 1, MaxLength = limits.MaxResponseBytes },
        (nameof(ResponseProposal), "variables") => new() { MaxProperties = limits.MaxParameters, KeyPattern = NamePattern },
        (nameof(ActionProposal), "tool") => new() { Pattern = NamePattern },
        (nameof(ActionProposal), "parameters") => new() { MaxProperties = limits.MaxParameters },
        (nameof(ActionProposal), "reversible") => new() { Default = "false" },
        (nameof(EvidenceItem), "id") => new() { MinLength = 1, MaxLength = 255 },
        (nameof(EvidenceItem), "title") => new() { MinLength = 1, MaxLength = 512 },
        (nameof(EvidenceItem), "uri") => new() { Format = "uri", MaxLength = 2048, Pattern = "^[hH][tT][tT][pP][sS]?://" },
        (nameof(EvidenceItem), "snippet") => new() { MaxLength = limits.MaxSnippetBytes },
        (nameof(EvidenceItem), "version") => new() { MaxLength = 64 },
        (nameof(EvidenceItem), "topic") => new() { MaxLength = 128 },
        (nameof(EvidenceItem), "score") => new() { Minimum = 0, Maximum = 1 },
        (nameof(EvidenceItem), "authority") => new() { Default = "\"unverified\"" },
        (nameof(Claim), "text") => new() { MinLength = 1, MaxLength = 4096 },
        (nameof(ToolStep), "step") => new() { Minimum = 0, Default = "0" },
        (nameof(ToolStep), "tool") => new() { MinLength = 1, MaxLength = 128 },
        (nameof(ToolStep), "status") => new() { Default = "\"succeeded\"" },
        (nameof(ToolStep), "durationMs") => new() { Minimum = 0 },
        (nameof(ToolStep), "input") or (nameof(ToolStep), "output") => new() { MaxLength = limits.MaxToolTextBytes },
        (nameof(ModelCost), "amount") => new() { Minimum = 0, Maximum = 1_000_000, Default = "0" },
        (nameof(ModelCost), "currency") => new() { Pattern = "^[A-Z]{3}$" },
        (nameof(ReplyRequest), "message") => new() { MinLength = 1, MaxLength = limits.MaxRequestBytes },
        (nameof(ReplyRequest), "signals") => new() { MaxProperties = limits.MaxSignals, KeyPattern = SignalNamePattern },
        (nameof(WithdrawRequest), "reason") => new() { MaxLength = 4096 },
        (nameof(OutcomeReport), "note") => new() { MaxLength = 4096 },
        _ => null,
    };

    /// <summary>The request types reachable from <paramref name="roots"/> (their members, items and values), objects only.</summary>
    public static IReadOnlySet<Type> ObjectTypesReachableFrom(IEnumerable<Type> roots, JsonSerializerOptions options)
    {
        var seen = new HashSet<Type>();
        var objects = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type) || type == typeof(JsonElement) || type == typeof(SignalValue) || type.IsPrimitive || type.IsEnum)
            {
                continue;
            }
            var info = options.GetTypeInfo(type);
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object:
                    objects.Add(type);
                    foreach (var p in info.Properties)
                    {
                        pending.Push(p.PropertyType);
                    }
                    break;
                case JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when info.ElementType is { } element:
                    pending.Push(element);
                    break;
            }
        }
        return objects;
    }

    /// <summary>Free JSON: any value at all (action parameters, template-free metadata).</summary>
    public static bool IsFreeJson(Type type) => (Nullable.GetUnderlyingType(type) ?? type) == typeof(JsonElement);
}
