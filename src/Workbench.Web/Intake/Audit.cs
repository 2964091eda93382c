using System.Text.Json;
using Workbench.Core.Cases;
using Workbench.Core.Serialization;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Web.Intake;

/// <summary>What was in play for an event: the article's event-schema fields besides who, what and when.</summary>
public sealed record AuditContext(
    int? RiskTier,
    string? PolicyVersion,
    Provenance? Provenance,
    IEnumerable<string>? EvidenceIds,
    IEnumerable<string>? ReasonCodes,
    DecisionKind? FinalDecision);

/// <summary>
/// Adds an audit event to the unit of work of the state change it records (same transaction). Its place in the
/// hash chain (sequence, previous hash, hash) is assigned when the unit of work is saved (AuditChainInterceptor).
/// </summary>
public static class Audit
{
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
        Guid? caseId, object data, string? requestId = null, AuditContext? context = null) =>
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
            DataJson = JsonSerializer.Serialize(data, WorkbenchJson.Options),
        };

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
