using System.Text.Json.Serialization;

namespace Workbench.Web.Cases;

/// <summary>What was in play for an event: the article's event-schema fields besides who, what and when.</summary>
public sealed record AuditContext(
    int? RiskTier,
    string? PolicyVersion,
    Provenance? Provenance,
    IEnumerable<string>? EvidenceIds,
    IEnumerable<string>? ReasonCodes,
    DecisionKind? FinalDecision);

/// <summary>
/// A free text in an audit event's data (a reviewer's note or question, the AI system's reply, a withdrawal reason, an
/// outcome note): in the hashed data it is <c>{"textRef":"atx_…","sha256":"…"}</c>, and the text itself goes to
/// <c>audit_texts</c>, which retention purges while the chain keeps verifying (see <see cref="AuditTextRecord"/>).
/// Made with <see cref="Audit.Text"/>; one instance belongs to one event.
/// </summary>
[JsonConverter(typeof(AuditTextJsonConverter))]
public sealed class AuditText
{
    internal AuditText(string text)
    {
        Text = text;
        Salt = AuditTexts.NewSalt();
        Ref = AuditTexts.NewRef();
        Sha256 = AuditTexts.Digest(Salt, text);
    }

    public string Ref { get; }
    public string Sha256 { get; }
    internal string Text { get; }
    internal string Salt { get; }
}

internal sealed class AuditTextJsonConverter : JsonConverter<AuditText>
{
    public static readonly AuditTextJsonConverter Instance = new();

    public override AuditText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("An audit text is written, never read back: read audit_texts.");

    public override void Write(Utf8JsonWriter writer, AuditText value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString(AuditTexts.RefMember, value.Ref);
        writer.WriteString(AuditTexts.DigestMember, value.Sha256);
        writer.WriteEndObject();
        Audit.Collected(value);
    }
}

/// <summary>
/// The core's rules mark a text a person wrote as <see cref="AuditFreeText"/>: written here, it becomes an
/// <see cref="AuditText"/> like any other, so the event's data holds its reference and digest.
/// </summary>
internal sealed class AuditFreeTextJsonConverter : JsonConverter<AuditFreeText>
{
    public override AuditFreeText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("An audit text is written, never read back: read audit_texts.");

    public override void Write(Utf8JsonWriter writer, AuditFreeText value, JsonSerializerOptions options) =>
        AuditTextJsonConverter.Instance.Write(writer, new AuditText(value.Text), options);
}

/// <summary>
/// Adds an audit event to the unit of work of the state change it records (same transaction). Its place in the
/// hash chain (sequence, previous hash, hash) is assigned when the unit of work is saved (AuditChainInterceptor).
/// </summary>
public static class Audit
{
    // The texts met while an event's data is serialized (synchronously, on this thread): they become its audit_texts rows.
    [ThreadStatic]
    private static List<AuditText>? _collecting;

    private static readonly JsonSerializerOptions DataOptions = CreateDataOptions();

    internal static void Collected(AuditText text) => _collecting?.Add(text);

    /// <summary>
    /// A free text for an event's data: null stays null; any other text is kept in <c>audit_texts</c> (purgeable) and
    /// the data holds its reference and digest. Every text a person or an AI system wrote goes through here.
    /// </summary>
    public static AuditText? Text(string? text) => text is null ? null : new AuditText(text);

    /// <summary>
    /// An event about a case the context tracks (loaded or added in this unit of work) takes the case's tier,
    /// policy version, reason codes, decision, model/prompt/index/tool versions and evidence ids from it.
    /// </summary>
    public static void Add(WorkbenchDbContext db, string type, string actor, string actorRole, DateTimeOffset at,
        Guid? caseId, object data, string? requestId = null)
    {
        var tracked = caseId is { } id ? db.Cases.Local.FindEntry(id)?.Entity : null;
        var e = Event(type, actor, actorRole, at, caseId, data, requestId, tracked is null ? null : ContextOf(tracked));
        // A review action's events (case.decided, case.approval_recorded…) carry the action itself.
        if (e.ReviewerAction is not null && data.GetType().GetProperty("Action")?.GetValue(data) is ReviewActionKind kind)
        {
            e.ReviewerAction = JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());
        }
        db.AuditEvents.Add(e);
    }

    /// <summary>An administrative act (not about a case): who did what, with its details.</summary>
    public static void AddAdministrative(WorkbenchDbContext db, string type, string actor, string actorRole, DateTimeOffset at, object data) =>
        db.AuditEvents.Add(Event(type, actor, actorRole, at, null, data));

    public static AuditEventRecord Event(string type, string actor, string actorRole, DateTimeOffset at,
        Guid? caseId, object data, string? requestId = null, AuditContext? context = null)
    {
        var outer = _collecting;
        var texts = _collecting = [];
        string json;
        try
        {
            json = JsonSerializer.Serialize(data, DataOptions);
        }
        finally
        {
            _collecting = outer;
        }
        var e = NewEvent(type, actor, actorRole, at, caseId, json, requestId, context);
        if (texts.Count > 0)
        {
            var places = AuditTexts.Places(json).ToDictionary(p => p.Ref, p => p.Field, StringComparer.Ordinal);
            e.Texts = [.. texts.Select(t => new AuditTextRecord
            {
                Ref = t.Ref,
                Field = places.GetValueOrDefault(t.Ref, "?"),
                Text = t.Text,
                Salt = t.Salt,
                Sha256 = t.Sha256,
                CaseId = caseId,
                CreatedAt = at,
            })];
        }
        return e;
    }

    private static AuditEventRecord NewEvent(string type, string actor, string actorRole, DateTimeOffset at,
        Guid? caseId, string dataJson, string? requestId, AuditContext? context) =>
        new()
        {
            CaseId = caseId,
            Type = type,
            Actor = actor,
            ActorRole = actorRole,
            At = at,
            RequestId = requestId,
            RiskTier = context?.RiskTier,
            PolicyVersion = context?.PolicyVersion,
            ModelVersion = context?.Provenance?.Model,
            PromptVersion = context?.Provenance?.PromptVersion,
            RetrievalIndexVersion = context?.Provenance?.RetrievalIndexVersion,
            ToolVersions = context?.Provenance?.ToolVersions is { Count: > 0 } tools
                ? JsonSerializer.Serialize(new SortedDictionary<string, string>(tools.ToDictionary(), StringComparer.Ordinal), WorkbenchJson.Options)
                : null,
            EvidenceIds = context?.EvidenceIds is { } ids && ids.Any() ? JsonSerializer.Serialize(ids, WorkbenchJson.Options) : null,
            ReasonCodes = context?.ReasonCodes is { } codes && codes.Any() ? string.Join(' ', codes) : null,
            ReviewerAction = actorRole is "client" or "system" ? null : type.StartsWith("case.", StringComparison.Ordinal) ? type[5..] : type,
            FinalDecision = context?.FinalDecision is { } d ? JsonNamingPolicy.SnakeCaseLower.ConvertName(d.ToString()) : null,
            DataJson = dataJson,
        };

    private static JsonSerializerOptions CreateDataOptions()
    {
        var options = new JsonSerializerOptions(WorkbenchJson.Options);
        options.Converters.Add(new AuditFreeTextJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static AuditContext ContextOf(CaseRecord c)
    {
        Provenance? provenance = null;
        List<string>? evidence = null;
        try
        {
            using var doc = JsonDocument.Parse(c.SubmissionJson);
            if (doc.RootElement.TryGetProperty("provenance", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                provenance = p.Deserialize<Provenance>(WorkbenchJson.Options);
            }
            if (doc.RootElement.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.Array)
            {
                evidence = [.. ev.EnumerateArray()
                    .Select(x => x.ValueKind == JsonValueKind.Object && x.TryGetProperty("id", out var i) ? i.GetString() : null)
                    .OfType<string>()];
            }
        }
        catch (JsonException)
        {
            // A masked (retention) or unreadable submission: the event keeps what the case row still says.
        }
        return new AuditContext(c.RiskTier, c.PolicyVersion, provenance, evidence,
            c.ReasonCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries), c.Decision);
    }
}
