using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Hosting;
using Workbench.Web.Intake;

namespace Workbench.Web.Api;

/// <summary>
/// Admins create and revoke API keys: for AI systems (<c>cases:submit</c>, <c>cases:read</c>) and for a lead's export
/// tooling (<c>exports:read</c>). The key is shown once, in the answer; only its hash is stored.
/// </summary>
public static partial class ApiClientsAdmin
{
    public sealed record CreateApiClientRequest(string? Id, string? DisplayName, IReadOnlyList<string>? Scopes);

    public sealed record ApiClientCreated(string Id, string DisplayName, IReadOnlyList<string> Scopes, string KeyPrefix, string ApiKey);

    public sealed record ApiClientRevoked(string Id, DateTimeOffset RevokedAt);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,63}$")]
    private static partial Regex ClientIdPattern();

    public static IEndpointRouteBuilder MapApiClientsAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin/api-clients").WithTags("Admin").RequireAuthorization(WorkbenchPolicies.Admin);
        admin.MapPost("/", CreateAsync).WithName("CreateApiClient").WithSummary("Create an API key with scopes; the answer holds the key, shown this once");
        admin.MapPost("/{id}/revoke", RevokeAsync).WithName("RevokeApiClient").WithSummary("Revoke a key (every instance refuses it within 10 s)");
        return app;
    }

    public static async Task<Results<Created<ApiClientCreated>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpContext http, IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreateApiClientRequest>(http.Request, 16 * 1024, ct);
        if (body.Problem is not null)
        {
            return body.Problem switch
            {
                ProblemHttpResult p => p,
                ValidationProblem v => v,
                _ => throw new InvalidOperationException(),
            };
        }
        var request = body.Value!;
        var errors = new Dictionary<string, string[]>();
        if (request.Id is null || !ClientIdPattern().IsMatch(request.Id))
        {
            errors["$.id"] = ["2–64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."];
        }
        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 200)
        {
            errors["$.displayName"] = ["A display name of 1–200 characters."];
        }
        var scopes = request.Scopes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (scopes.Count == 0 || scopes.Any(s => !ApiClaims.All.Contains(s)))
        {
            errors["$.scopes"] = [$"One or more of {string.Join(", ", ApiClaims.All)}."];
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (errors.Count == 0 && await db.ApiClients.AnyAsync(c => c.Id == request.Id, ct))
        {
            errors["$.id"] = [$"There is already a client '{request.Id}'."];
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var key = "wb_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', 'x').Replace('/', 'y');
        var now = time.GetUtcNow();
        db.ApiClients.Add(new ApiClientRecord
        {
            Id = request.Id!,
            DisplayName = request.DisplayName!.Trim(),
            KeyPrefix = key[..12],
            KeyHash = DevelopmentSeed.HashKey(key),
            Scopes = string.Join(' ', scopes),
            CreatedAt = now,
        });
        Audit.AddAdministrative(db, "api_client.created", Actor(http.User), "admin", now, new { request.Id, Scopes = scopes, KeyPrefix = key[..12] });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/admin/api-clients/{request.Id}", new ApiClientCreated(request.Id!, request.DisplayName.Trim(), scopes, key[..12], key));
    }

    public static async Task<Results<Ok<ApiClientRevoked>, ProblemHttpResult>> RevokeAsync(
        string id, ClaimsPrincipal user, IDbContextFactory<WorkbenchDbContext> dbFactory, ApiKeyStore keys, TimeProvider time, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (client is null)
        {
            return Problems.NotFound("API client");
        }
        var now = time.GetUtcNow();
        client.RevokedAt ??= now;
        Audit.AddAdministrative(db, "api_client.revoked", Actor(user), "admin", now, new { client.Id });
        await db.SaveChangesAsync(ct);
        keys.Forget();
        return TypedResults.Ok(new ApiClientRevoked(client.Id, client.RevokedAt.Value));
    }

    private static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "admin";
}
