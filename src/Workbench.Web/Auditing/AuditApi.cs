using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;
using Workbench.Web.Review;

namespace Workbench.Web.Auditing;

public sealed record AuditBreakView(long Sequence, long? EventId, string Kind, string Message);

public sealed record AuditVerifyResult(long VerificationId, bool Intact, long EventsChecked, long HeadSequence, string HeadHash,
    AuditBreakView? Break, long ElapsedMs, DateTimeOffset VerifiedAt, string RequestedBy)
{
    public static AuditVerifyResult Of(AuditVerificationRecord v) => new(v.Id, v.Intact, v.EventsChecked, v.HeadSequence, v.HeadHash,
        v.BreakSequence is { } s ? new AuditBreakView(s, v.BreakEventId, v.BreakKind ?? "", v.Message ?? "") : null,
        v.DurationMs, v.StartedAt, v.RequestedBy);
}

public static class AuditExtensions
{
    public static IHostApplicationBuilder AddWorkbenchAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<AuditVerificationOptions>(builder.Configuration.GetSection("Audit:Verification"));
        builder.Services.AddSingleton<AuditVerifier>();
        builder.Services.AddSingleton<CaseReconstruction>();
        builder.Services.AddSingleton<AuditEventList>();
        builder.Services.AddHostedService<AuditVerificationWorker>();
        var checkpoints = builder.Configuration.GetSection("Audit:Checkpoints");
        builder.Services.Configure<AuditCheckpointOptions>(checkpoints);
        // Read at start-up so that a configured key that cannot be used stops the start with one line.
        builder.Services.AddSingleton(AuditCheckpointKey.Load(checkpoints.Get<AuditCheckpointOptions>() ?? new(), builder.Environment.IsDevelopment()));
        builder.Services.AddSingleton<AuditCheckpoints>();
        builder.Services.AddHttpClient(AuditCheckpoints.WitnessClient, c => c.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHostedService<AuditCheckpointWorker>();
        return builder;
    }

    /// <summary>
    /// Audit over HTTP, for people signed in (cookie). The case export is not offered to the AI system that owns the
    /// case: it names reviewers and carries their notes and the policy's internals; the client has the status and
    /// the decision (<c>GET /api/v1/cases/{id}</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapWorkbenchAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit/verify", VerifyAsync).WithTags("Audit").WithName("AuditVerify")
            .RequireAuthorization(WorkbenchPolicies.Admin)
            .WithSummary("Admin: walk the whole audit chain and report the first broken link (recorded, like the scheduled run)");
        app.MapGet("/api/v1/cases/{id:guid}/audit", ExportAsync).WithTags("Audit").WithName("CaseAuditExport")
            .WithProblems(403, ProblemTypes.DoubleReviewPending)
            .RequireAuthorization(WorkbenchPolicies.LeadOrAdmin)
            .WithSummary("Lead or admin: the case reconstructed for an audit, with the chain check of its events and their inclusion proofs");
        app.MapWorkbenchAuditProofs();
        return app;
    }

    public static async Task<Ok<AuditVerifyResult>> VerifyAsync(ClaimsPrincipal user, AuditVerifier verifier, CancellationToken ct)
    {
        var (_, record) = await verifier.RunAsync(user.Identity?.Name ?? "admin", ct);
        return TypedResults.Ok(AuditVerifyResult.Of(record));
    }

    public static async Task<Results<Ok<CaseAuditExport>, ProblemHttpResult>> ExportAsync(
        Guid id, ClaimsPrincipal user, ReviewerDirectory directory, CaseReconstruction reconstruction, DoubleReviewService blind,
        Microsoft.EntityFrameworkCore.IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, CancellationToken ct)
    {
        var viewer = await directory.IdentityAsync(user, ct);
        var export = await reconstruction.BuildAsync(id, viewer, ct);
        if (export is null)
        {
            return Problems.Of(404, ProblemTypes.NotFound, "Case not found", $"No case {id}.");
        }
        // The record holds the first review: withheld, like the case page, from anyone who could still give the blind second one.
        if (await blind.WithholdsAsync(id, viewer.UserName, ct))
        {
            return Problems.Of(403, ProblemTypes.DoubleReviewPending, "Blind second review pending",
                "This case awaits a blind second review and you could still give it: its record is withheld until that review is in.");
        }
        // A download of a case's whole record is itself an audited act (who took a copy, when).
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            Audit.Add(db, AuditEventTypes.CaseAuditExported, user.Identity?.Name ?? "unknown",
                user.IsInRole(nameof(UserRole.Admin)) ? "admin" : "lead", time.GetUtcNow(), id,
                new { Events = export.Events.Count, export.ChainIntact });
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(export);
    }
}
