using System.Text.Json;

namespace Workbench.Core.Audit;

/// <summary>
/// The export of the whole audit log: one JSON object per line (<see cref="AuditEventContent"/>, camelCase), in
/// sequence order — exactly the fields the chain hash covers, nothing the database adds. The app writes it
/// (<c>GET /api/v1/audit/log</c>) and the standalone verifier reads it.
/// </summary>
public static class AuditLogExport
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AuditEventContent Of(IAuditEventContent e) => new()
    {
        Sequence = e.Sequence,
        PrevHash = e.PrevHash,
        Hash = e.Hash,
        Type = e.Type,
        CaseId = e.CaseId,
        Actor = e.Actor,
        ActorRole = e.ActorRole,
        At = e.At,
        RequestId = e.RequestId,
        RiskTier = e.RiskTier,
        PolicyVersion = e.PolicyVersion,
        ModelVersion = e.ModelVersion,
        PromptVersion = e.PromptVersion,
        RetrievalIndexVersion = e.RetrievalIndexVersion,
        ToolVersions = e.ToolVersions,
        EvidenceIds = e.EvidenceIds,
        ReasonCodes = e.ReasonCodes,
        ReviewerAction = e.ReviewerAction,
        FinalDecision = e.FinalDecision,
        DataJson = e.DataJson,
    };

    public static string Line(IAuditEventContent e) => JsonSerializer.Serialize(Of(e), Json);

    /// <summary>One line back, or null with the reason.</summary>
    public static AuditEventContent? Parse(string line, out string? problem)
    {
        problem = null;
        try
        {
            var e = JsonSerializer.Deserialize<AuditEventContent>(line, Json);
            if (e is null)
            {
                problem = "The line is null.";
            }
            return e;
        }
        catch (JsonException ex)
        {
            problem = $"The line is not an audit event: {ex.Message}";
            return null;
        }
    }
}
