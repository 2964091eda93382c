using System.Text.Json;
using Workbench.Core.Serialization;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Web.Intake;

/// <summary>Adds an audit event to the unit of work of the state change it records (same transaction).</summary>
public static class Audit
{
    public static void Add(WorkbenchDbContext db, string type, string actor, string actorRole, DateTimeOffset at,
        Guid? caseId, object data, string? requestId = null) =>
        db.AuditEvents.Add(Event(type, actor, actorRole, at, caseId, data, requestId));

    public static AuditEventRecord Event(string type, string actor, string actorRole, DateTimeOffset at,
        Guid? caseId, object data, string? requestId = null) =>
        new AuditEventRecord
        {
            CaseId = caseId,
            Type = type,
            Actor = actor,
            ActorRole = actorRole,
            At = at,
            RequestId = requestId,
            DataJson = JsonSerializer.Serialize(data, WorkbenchJson.Options),
        };
}
