using System.Diagnostics.CodeAnalysis;

namespace Workbench.Web.Intake;

/// <summary>
/// Reads the common case submission straight off its bytes, without the serializer's generic machinery (its
/// constructor-argument path was the largest single step of an accepted submission's CPU). It only says yes to a body
/// it reads exactly as <see cref="JsonBody"/>'s serializer would: members spelled as the contract spells them, each
/// once, with the contract's JSON types, no member the contract lacks, no object at any depth naming a member twice.
/// For anything else it says no, and the serializer reads the body again and words what is wrong, so every problem a
/// body can have keeps its one wording and path. Where the two might differ it gives up rather than guess: a member
/// in another letter case, a null where the contract has no room for one, a missing required member.
/// </summary>
public static class CaseSubmissionReader
{
    /// <summary>The serializer's depth limit (JsonBody's options), so that a deeper body is the serializer's to refuse.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    /// <summary>The serializer's own reading of a signal (a number or a boolean).</summary>
    private static readonly SignalValueJsonConverter SignalReader = new();

    /// <summary>An evidence item's authority when the body leaves it out: the record's own default.</summary>
    private static readonly EvidenceAuthority DefaultAuthority = new EvidenceItem { Id = "", Title = "" }.Authority;

    /// <summary>Above this many members one object's duplicate check would cost more than it saves; the serializer reads it.</summary>
    private const int MaxMembersChecked = 64;

    public static bool TryRead(ReadOnlySpan<byte> json, [NotNullWhen(true)] out CaseSubmission? submission)
    {
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            submission = Submission(ref reader);
            // Nothing but white space may follow the object (the reader throws on anything else).
            if (reader.Read())
            {
                submission = null;
                return false;
            }
            return true;
        }
        catch (Exception ex) when (ex is GiveUp or JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            submission = null;
            return false;
        }
    }

    private static CaseSubmission Submission(ref Utf8JsonReader r)
    {
        StartObject(ref r);
        string? externalId = null, workflow = null, taskType = null, request = null, callbackUrl = null;
        int? riskTier = null;
        Requester? requester = null;
        Proposal? proposal = null;
        List<EvidenceItem>? evidence = null;
        List<Claim>? claims = null;
        List<ToolStep>? toolTrace = null;
        Dictionary<string, SignalValue>? signals = null;
        Provenance? provenance = null;
        ModelCost? modelCost = null;
        JsonElement? metadata = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("externalId"u8)) { Once(ref seen, 0); externalId = Text(ref r); }
            else if (r.ValueTextEquals("workflow"u8)) { Once(ref seen, 1); workflow = Text(ref r); }
            else if (r.ValueTextEquals("taskType"u8)) { Once(ref seen, 2); taskType = Text(ref r); }
            else if (r.ValueTextEquals("riskTier"u8)) { Once(ref seen, 3); riskTier = IntegerOrNull(ref r); }
            else if (r.ValueTextEquals("requester"u8)) { Once(ref seen, 4); requester = Requester(ref r); }
            else if (r.ValueTextEquals("request"u8)) { Once(ref seen, 5); request = Text(ref r); }
            else if (r.ValueTextEquals("proposal"u8)) { Once(ref seen, 6); proposal = Proposal(ref r); }
            else if (r.ValueTextEquals("evidence"u8)) { Once(ref seen, 7); evidence = Evidence(ref r); }
            else if (r.ValueTextEquals("claims"u8)) { Once(ref seen, 8); claims = Claims(ref r); }
            else if (r.ValueTextEquals("toolTrace"u8)) { Once(ref seen, 9); toolTrace = ToolTrace(ref r); }
            else if (r.ValueTextEquals("signals"u8)) { Once(ref seen, 10); signals = Signals(ref r); }
            else if (r.ValueTextEquals("provenance"u8)) { Once(ref seen, 11); provenance = Provenance(ref r); }
            else if (r.ValueTextEquals("modelCost"u8)) { Once(ref seen, 12); modelCost = ModelCost(ref r); }
            else if (r.ValueTextEquals("callbackUrl"u8)) { Once(ref seen, 13); callbackUrl = TextOrNull(ref r); }
            else if (r.ValueTextEquals("metadata"u8)) { Once(ref seen, 14); metadata = ElementOrNull(ref r); }
            else { throw new GiveUp(); }
        }
        if (externalId is null || workflow is null || taskType is null || request is null || requester is null || proposal is null)
        {
            throw new GiveUp();
        }
        var submission = new CaseSubmission
        {
            ExternalId = externalId,
            Workflow = workflow,
            TaskType = taskType,
            RiskTier = riskTier,
            Requester = requester,
            Request = request,
            Proposal = proposal,
            Provenance = provenance,
            ModelCost = modelCost,
            CallbackUrl = callbackUrl,
            Metadata = metadata,
        };
        // Members the body left out keep the record's own defaults, as the serializer leaves them.
        return evidence is null && claims is null && toolTrace is null && signals is null
            ? submission
            : submission with
            {
                Evidence = evidence ?? submission.Evidence,
                Claims = claims ?? submission.Claims,
                ToolTrace = toolTrace ?? submission.ToolTrace,
                Signals = signals ?? submission.Signals,
            };
    }

    private static Requester Requester(ref Utf8JsonReader r)
    {
        StartObject(ref r);
        string? id = null, role = null;
        bool? authenticated = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { Once(ref seen, 0); id = Text(ref r); }
            else if (r.ValueTextEquals("role"u8)) { Once(ref seen, 1); role = TextOrNull(ref r); }
            else if (r.ValueTextEquals("authenticated"u8)) { Once(ref seen, 2); authenticated = Boolean(ref r); }
            else { throw new GiveUp(); }
        }
        return new(id ?? throw new GiveUp(), role, authenticated ?? throw new GiveUp());
    }

    private static Proposal Proposal(ref Utf8JsonReader r)
    {
        StartObject(ref r);
        ResponseProposal? response = null;
        ActionProposal? action = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("response"u8)) { Once(ref seen, 0); response = NullOr(ref r) ? null : Response(ref r); }
            else if (r.ValueTextEquals("action"u8)) { Once(ref seen, 1); action = NullOr(ref r) ? null : Action(ref r); }
            else { throw new GiveUp(); }
        }
        return new(response, action);
    }

    private static ResponseProposal Response(ref Utf8JsonReader r)
    {
        ExpectStartObject(ref r);
        string? body = null;
        Dictionary<string, string>? variables = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("body"u8)) { Once(ref seen, 0); body = Text(ref r); }
            else if (r.ValueTextEquals("variables"u8)) { Once(ref seen, 1); variables = NullOr(ref r) ? null : TextMap(ref r); }
            else { throw new GiveUp(); }
        }
        return new(body ?? throw new GiveUp(), variables);
    }

    private static ActionProposal Action(ref Utf8JsonReader r)
    {
        ExpectStartObject(ref r);
        string? tool = null;
        Dictionary<string, JsonElement>? parameters = null;
        bool? reversible = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("tool"u8)) { Once(ref seen, 0); tool = Text(ref r); }
            else if (r.ValueTextEquals("parameters"u8)) { Once(ref seen, 1); parameters = NullOr(ref r) ? null : ElementMap(ref r); }
            else if (r.ValueTextEquals("reversible"u8)) { Once(ref seen, 2); reversible = Boolean(ref r); }
            else { throw new GiveUp(); }
        }
        return new(tool ?? throw new GiveUp(), parameters, reversible ?? throw new GiveUp());
    }

    private static List<EvidenceItem> Evidence(ref Utf8JsonReader r)
    {
        StartArray(ref r);
        var items = new List<EvidenceItem>();
        while (NextItem(ref r))
        {
            ExpectStartObject(ref r);
            string? id = null, title = null, uri = null, snippet = null, version = null, topic = null;
            EvidenceAuthority? authority = null;
            DateTimeOffset? publishedAt = null;
            double? score = null;
            var seen = 0;
            while (NextMember(ref r))
            {
                if (r.ValueTextEquals("id"u8)) { Once(ref seen, 0); id = Text(ref r); }
                else if (r.ValueTextEquals("title"u8)) { Once(ref seen, 1); title = Text(ref r); }
                else if (r.ValueTextEquals("uri"u8)) { Once(ref seen, 2); uri = TextOrNull(ref r); }
                else if (r.ValueTextEquals("snippet"u8)) { Once(ref seen, 3); snippet = TextOrNull(ref r); }
                else if (r.ValueTextEquals("authority"u8)) { Once(ref seen, 4); authority = Enum<EvidenceAuthority>(ref r); }
                else if (r.ValueTextEquals("version"u8)) { Once(ref seen, 5); version = TextOrNull(ref r); }
                else if (r.ValueTextEquals("publishedAt"u8)) { Once(ref seen, 6); publishedAt = NullOr(ref r) ? null : Time(ref r); }
                else if (r.ValueTextEquals("score"u8)) { Once(ref seen, 7); score = NullOr(ref r) ? null : Number(ref r); }
                else if (r.ValueTextEquals("topic"u8)) { Once(ref seen, 8); topic = TextOrNull(ref r); }
                else { throw new GiveUp(); }
            }
            items.Add(new EvidenceItem
            {
                Id = id ?? throw new GiveUp(),
                Title = title ?? throw new GiveUp(),
                Uri = uri,
                Snippet = snippet,
                Authority = authority ?? DefaultAuthority,
                Version = version,
                PublishedAt = publishedAt,
                Score = score,
                Topic = topic,
            });
        }
        return items;
    }

    private static List<Claim> Claims(ref Utf8JsonReader r)
    {
        StartArray(ref r);
        var claims = new List<Claim>();
        while (NextItem(ref r))
        {
            ExpectStartObject(ref r);
            string? text = null;
            List<string>? evidenceIds = null;
            var seen = 0;
            while (NextMember(ref r))
            {
                if (r.ValueTextEquals("text"u8)) { Once(ref seen, 0); text = Text(ref r); }
                else if (r.ValueTextEquals("evidenceIds"u8)) { Once(ref seen, 1); evidenceIds = TextList(ref r); }
                else { throw new GiveUp(); }
            }
            claims.Add(new(text ?? throw new GiveUp(), evidenceIds ?? throw new GiveUp()));
        }
        return claims;
    }

    private static List<ToolStep> ToolTrace(ref Utf8JsonReader r)
    {
        StartArray(ref r);
        var steps = new List<ToolStep>();
        while (NextItem(ref r))
        {
            ExpectStartObject(ref r);
            int? step = null, durationMs = null;
            string? tool = null, input = null, output = null;
            ToolStepStatus? status = null;
            var seen = 0;
            while (NextMember(ref r))
            {
                if (r.ValueTextEquals("step"u8)) { Once(ref seen, 0); step = Integer(ref r); }
                else if (r.ValueTextEquals("tool"u8)) { Once(ref seen, 1); tool = Text(ref r); }
                else if (r.ValueTextEquals("status"u8)) { Once(ref seen, 2); status = Enum<ToolStepStatus>(ref r); }
                else if (r.ValueTextEquals("durationMs"u8)) { Once(ref seen, 3); durationMs = IntegerOrNull(ref r); }
                else if (r.ValueTextEquals("input"u8)) { Once(ref seen, 4); input = TextOrNull(ref r); }
                else if (r.ValueTextEquals("output"u8)) { Once(ref seen, 5); output = TextOrNull(ref r); }
                else { throw new GiveUp(); }
            }
            steps.Add(new ToolStep
            {
                Step = step ?? throw new GiveUp(),
                Tool = tool ?? throw new GiveUp(),
                Status = status ?? throw new GiveUp(),
                DurationMs = durationMs,
                Input = input,
                Output = output,
            });
        }
        return steps;
    }

    private static Dictionary<string, SignalValue> Signals(ref Utf8JsonReader r)
    {
        StartObject(ref r);
        var signals = new Dictionary<string, SignalValue>(StringComparer.Ordinal);
        while (NextMember(ref r))
        {
            var name = Key(ref r, signals);
            r.Read();
            signals.Add(name, SignalReader.Read(ref r, typeof(SignalValue), WorkbenchJson.Options));
        }
        return signals;
    }

    private static Provenance? Provenance(ref Utf8JsonReader r)
    {
        if (NullOr(ref r))
        {
            return null;
        }
        ExpectStartObject(ref r);
        string? model = null, promptVersion = null, retrievalIndexVersion = null;
        Dictionary<string, string>? toolVersions = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("model"u8)) { Once(ref seen, 0); model = TextOrNull(ref r); }
            else if (r.ValueTextEquals("promptVersion"u8)) { Once(ref seen, 1); promptVersion = TextOrNull(ref r); }
            else if (r.ValueTextEquals("retrievalIndexVersion"u8)) { Once(ref seen, 2); retrievalIndexVersion = TextOrNull(ref r); }
            else if (r.ValueTextEquals("toolVersions"u8)) { Once(ref seen, 3); toolVersions = NullOr(ref r) ? null : TextMap(ref r); }
            else { throw new GiveUp(); }
        }
        return new(model, promptVersion, retrievalIndexVersion, toolVersions);
    }

    private static ModelCost? ModelCost(ref Utf8JsonReader r)
    {
        if (NullOr(ref r))
        {
            return null;
        }
        ExpectStartObject(ref r);
        decimal? amount = null;
        string? currency = null;
        var seen = 0;
        while (NextMember(ref r))
        {
            if (r.ValueTextEquals("amount"u8)) { Once(ref seen, 0); amount = Decimal(ref r); }
            else if (r.ValueTextEquals("currency"u8)) { Once(ref seen, 1); currency = Text(ref r); }
            else { throw new GiveUp(); }
        }
        return new(amount ?? throw new GiveUp(), currency ?? throw new GiveUp());
    }

    private static Dictionary<string, string> TextMap(ref Utf8JsonReader r)
    {
        ExpectStartObject(ref r);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (NextMember(ref r))
        {
            var name = Key(ref r, map);
            map.Add(name, Text(ref r));
        }
        return map;
    }

    /// <summary>
    /// An object of free JSON values (an action's parameters), parsed as one document whose members' values are the
    /// map's elements: one parse for the object rather than one per value.
    /// </summary>
    private static Dictionary<string, JsonElement> ElementMap(ref Utf8JsonReader r)
    {
        ExpectStartObject(ref r);
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in Element(ref r).EnumerateObject())
        {
            // Element has refused a name that comes twice, in any letter case.
            map.Add(member.Name, member.Value);
        }
        return map;
    }

    private static List<string> TextList(ref Utf8JsonReader r)
    {
        StartArray(ref r);
        var list = new List<string>();
        while (NextItem(ref r))
        {
            list.Add(r.TokenType == JsonTokenType.String ? r.GetString()! : throw new GiveUp());
        }
        return list;
    }

    private static JsonElement? ElementOrNull(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType == JsonTokenType.Null ? null : Element(ref r);
    }

    /// <summary>Free JSON (an action's parameters, metadata): the serializer refuses a member named twice in it at any depth.</summary>
    private static JsonElement Element(ref Utf8JsonReader r)
    {
        var element = JsonElement.ParseValue(ref r);
        if (NamesAMemberTwice(element))
        {
            throw new GiveUp();
        }
        return element;
    }

    private static bool NamesAMemberTwice(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new List<string>();
                foreach (var member in element.EnumerateObject())
                {
                    if (names.Count == MaxMembersChecked || Contains(names, member.Name) || NamesAMemberTwice(member.Value))
                    {
                        return true;
                    }
                    names.Add(member.Name);
                }
                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (NamesAMemberTwice(item))
                    {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// A dictionary's key, refused when the object already had it in any letter case: stricter than the serializer
    /// (which compares exactly), so that what this reader accepts the serializer accepts too.
    /// </summary>
    private static string Key<TValue>(ref Utf8JsonReader r, Dictionary<string, TValue> map)
    {
        var name = r.GetString()!;
        var count = 0;
        foreach (var key in map.Keys)
        {
            if (++count == MaxMembersChecked || string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                throw new GiveUp();
            }
        }
        return name;
    }

    private static bool Contains(List<string> names, string name)
    {
        foreach (var seen in names)
        {
            if (string.Equals(seen, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static void Once(ref int seen, int member)
    {
        if ((seen & (1 << member)) != 0)
        {
            throw new GiveUp();
        }
        seen |= 1 << member;
    }

    private static void StartObject(ref Utf8JsonReader r)
    {
        r.Read();
        ExpectStartObject(ref r);
    }

    private static void ExpectStartObject(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            throw new GiveUp();
        }
    }

    private static void StartArray(ref Utf8JsonReader r)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.StartArray)
        {
            throw new GiveUp();
        }
    }

    /// <summary>Moves to the next member's name; false at the object's end.</summary>
    private static bool NextMember(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new GiveUp(),
        };

    /// <summary>Moves to the next item of an array; false at the array's end.</summary>
    private static bool NextItem(ref Utf8JsonReader r) => r.Read() && r.TokenType != JsonTokenType.EndArray;

    /// <summary>Reads the next value's first token; true when it is null.</summary>
    private static bool NullOr(ref Utf8JsonReader r) => r.Read() && r.TokenType == JsonTokenType.Null;

    private static string Text(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType == JsonTokenType.String ? r.GetString()! : throw new GiveUp();

    private static string? TextOrNull(ref Utf8JsonReader r) =>
        NullOr(ref r) ? null : r.TokenType == JsonTokenType.String ? r.GetString() : throw new GiveUp();

    private static bool Boolean(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType is JsonTokenType.True or JsonTokenType.False ? r.GetBoolean() : throw new GiveUp();

    private static int Integer(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var value) ? value : throw new GiveUp();

    private static int? IntegerOrNull(ref Utf8JsonReader r) =>
        NullOr(ref r) ? null : r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var value) ? value : throw new GiveUp();

    /// <summary>The current token as a double, read as the serializer reads one (a JSON number only).</summary>
    private static double Number(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number ? r.GetDouble() : throw new GiveUp();

    private static decimal Decimal(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType == JsonTokenType.Number ? r.GetDecimal() : throw new GiveUp();

    /// <summary>The current token as a date-time, in the one form the serializer reads (ISO 8601 in a string).</summary>
    private static DateTimeOffset Time(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetDateTimeOffset() : throw new GiveUp();

    private static TEnum Enum<TEnum>(ref Utf8JsonReader r)
        where TEnum : struct, Enum
    {
        r.Read();
        return EnumReader<TEnum>.Converter.Read(ref r, typeof(TEnum), WorkbenchJson.Options);
    }

    private static class EnumReader<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly Contracts.SnakeCaseEnumConverter<TEnum> Converter = new();
    }

    /// <summary>The body is not one this reader vouches for; the serializer reads it.</summary>
    private sealed class GiveUp : Exception;
}
