using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Core.Audit;
using Workbench.Web.Auth;

namespace Workbench.Web.Auditing;

/// <summary>A signed checkpoint as the API shows it, with where it was published.</summary>
public sealed record AuditCheckpointView(long TreeSize, long PreviousTreeSize, string RootHash, string HeadHash, DateTimeOffset IssuedAt,
    string Body, string Signature, string KeyId, DateTimeOffset? WrittenAt, DateTimeOffset? WitnessedAt, string? PublishError)
{
    public static AuditCheckpointView Of(AuditCheckpointRecord c) => new(c.TreeSize, c.PreviousTreeSize, c.RootHash, c.HeadHash, c.IssuedAt,
        c.Body, c.Signature, c.KeyId, c.WrittenAt, c.WitnessedAt, c.PublishError);
}

/// <summary>RFC 9162 consistency proof between the checkpoints of <see cref="First"/> and <see cref="Second"/> events.</summary>
public sealed record AuditConsistencyProof(long First, long Second, string FirstRoot, string SecondRoot, IReadOnlyList<string> Proof);

/// <summary>
/// What an outsider needs to check the audit log without trusting the database: the public key, the checkpoints,
/// proofs between them, and the whole log to verify (the standalone verifier reads that export).
/// </summary>
public static class AuditProofApi
{
    public const string KeyPath = "/.well-known/workbench-audit-key";

    public static IEndpointRouteBuilder MapWorkbenchAuditProofs(this IEndpointRouteBuilder app)
    {
        // A well-known resource for verifiers, not an operation of the API: left out of the OpenAPI document, whose
        // operations all say who may call them (docs/audit-and-retention.md describes it).
        app.MapGet(KeyPath, PublicKey).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/v1/audit/checkpoints", CheckpointsAsync).WithTags("Audit").WithName("AuditCheckpoints")
            .RequireAuthorization(WorkbenchPolicies.LeadOrAdmin)
            .WithSummary("Lead or admin: the signed checkpoints of the audit log, newest first");
        app.MapGet("/api/v1/audit/consistency", ConsistencyAsync).WithTags("Audit").WithName("AuditConsistency")
            .RequireAuthorization(WorkbenchPolicies.LeadOrAdmin)
            .WithSummary("Lead or admin: the RFC 9162 consistency proof between two checkpoints (tree sizes first < second)");
        app.MapGet("/api/v1/audit/log", ExportLogAsync).WithTags("Audit").WithName("AuditLogExport")
            .RequireAuthorization(WorkbenchPolicies.Admin)
            .WithSummary("Admin: the whole audit log as JSON lines, in sequence order, for the standalone verifier")
            .Produces(200, contentType: "application/x-ndjson");
        return app;
    }

    public static Results<ContentHttpResult, ProblemHttpResult> PublicKey(AuditCheckpointKey key, HttpResponse response)
    {
        if (key.PublicKeyPem is null)
        {
            return Problems.Of(404, ProblemTypes.NotFound, "No audit key", "This instance does not sign audit checkpoints.");
        }
        response.Headers["X-Key-Id"] = key.KeyId;
        return TypedResults.Text(key.PublicKeyPem + "\n", "application/x-pem-file", Encoding.ASCII);
    }

    public static async Task<Ok<List<AuditCheckpointView>>> CheckpointsAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, int? limit, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.TreeSize).Take(Math.Clamp(limit ?? 100, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(AuditCheckpointView.Of).ToList());
    }

    public static async Task<Results<Ok<AuditConsistencyProof>, ValidationProblem, ProblemHttpResult>> ConsistencyAsync(
        long? first, long? second, IDbContextFactory<WorkbenchDbContext> dbFactory, CancellationToken ct)
    {
        if (first is not { } a || second is not { } b || a < 1 || b <= a)
        {
            return Problems.Invalid(new Dictionary<string, string[]>
            {
                ["first"] = ["Give the tree sizes of two checkpoints: first >= 1 and second > first."],
            });
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var roots = await db.AuditCheckpoints.AsNoTracking().Where(c => c.TreeSize == a || c.TreeSize == b)
            .ToDictionaryAsync(c => c.TreeSize, c => c.RootHash, ct);
        var missing = new[] { a, b }.Where(s => !roots.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            return Problems.Of(404, ProblemTypes.NotFound, "No such checkpoint",
                $"There is no checkpoint of tree size {string.Join(" or ", missing)}.");
        }
        var proof = await new AuditTree(db).ConsistencyProofAsync(a, b, ct);
        return TypedResults.Ok(new AuditConsistencyProof(a, b, roots[a], roots[b], [.. proof.Select(Convert.ToHexStringLower)]));
    }

    /// <summary>Streams the log up to its head when asked; taking a copy of the whole log is itself an audited act.</summary>
    public static async Task<IResult> ExportLogAsync(ClaimsPrincipal user, HttpResponse response, IDbContextFactory<WorkbenchDbContext> dbFactory,
        TimeProvider time, CancellationToken ct)
    {
        long head;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            head = await db.AuditEvents.AsNoTracking().MaxAsync(a => (long?)a.Sequence, ct) ?? 0;
            Audit.AddAdministrative(db, AuditEventTypes.AuditLogExported, user.Identity?.Name ?? "unknown", "admin", time.GetUtcNow(), new { Events = head });
            await db.SaveChangesAsync(ct);
        }
        var stamp = time.GetUtcNow().ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        response.ContentType = "application/x-ndjson; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"workbench-audit-log-{stamp}.jsonl\"";
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 1 << 16);
            const int Page = 5000;
            for (long after = 0; after < head; after += Page)
            {
                var to = Math.Min(head, after + Page);
                var page = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence > after && e.Sequence <= to)
                    .OrderBy(e => e.Sequence).ToListAsync(ct);
                foreach (var e in page)
                {
                    await writer.WriteAsync(AuditLogExport.Line(e));
                    await writer.WriteAsync('\n');
                }
                await writer.FlushAsync(ct);
            }
        }
        return Results.Empty;
    }
}
