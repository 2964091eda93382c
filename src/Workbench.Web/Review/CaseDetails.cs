using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Core.Cases;
using Workbench.Core.Policy;
using Workbench.Core.Serialization;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Web.Review;

/// <summary>Everything the case page shows, read in one go.</summary>
public sealed record CaseDetail(
    CaseRecord Case,
    CaseSubmission Submission,
    PolicyEvaluationRecord? Evaluation,
    IReadOnlyList<RuleTrace> Trace,
    IReadOnlyList<ReviewActionRecord> Actions,
    IReadOnlyList<AuditEventRecord> History);

/// <summary>The read behind the case page; a case outside the viewer's queues is not found.</summary>
public sealed class CaseDetails(IDbContextFactory<WorkbenchDbContext> dbFactory)
{
    public async Task<CaseDetail?> LoadAsync(Guid id, ReviewerIdentity viewer, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Cases.AsNoTracking().Include(x => x.Evaluation).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !viewer.MayWork(c.Queue))
        {
            return null;
        }
        var actions = await db.ReviewActions.AsNoTracking().Where(a => a.CaseId == id).OrderBy(a => a.Id).ToListAsync(ct);
        var history = await db.AuditEvents.AsNoTracking().Where(a => a.CaseId == id).OrderBy(a => a.Id).ToListAsync(ct);
        var submission = JsonSerializer.Deserialize<CaseSubmission>(c.SubmissionJson, WorkbenchJson.Options)!;
        var trace = c.Evaluation is null
            ? []
            : JsonSerializer.Deserialize<List<RuleTrace>>(c.Evaluation.TraceJson, WorkbenchJson.Options) ?? [];
        return new CaseDetail(c, submission, c.Evaluation, trace, actions, history);
    }
}
