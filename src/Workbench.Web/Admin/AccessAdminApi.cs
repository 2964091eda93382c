using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;

namespace Workbench.Web.Admin;

/// <summary>The admin API for access (role Admin): API keys and people's roles and queues.</summary>
public static class AccessAdminApi
{
    public static IHostApplicationBuilder AddWorkbenchAccessAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AccessAdmin>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchAccessAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin").WithTags("Admin").RequireAuthorization(WorkbenchPolicies.Admin)
            .RequireJsonBody("Admin API");
        admin.MapGet("/api-keys", async (AccessAdmin a, CancellationToken ct) => TypedResults.Ok(await a.ApiKeysAsync(ct)))
            .WithName("ListApiKeys").WithSummary("API clients and their key prefixes (never the keys)");
        admin.MapPost("/api-keys", CreateKeyAsync).WithName("CreateApiKey").Accepts<CreateApiKeyRequest>("application/json")
            .WithSummary("Create an API client; the answer holds its key, shown this once");
        admin.MapPost("/api-keys/{id}/revoke", async Task<Results<Ok<ApiKeyView>, ProblemHttpResult, ValidationProblem>> (string id, ClaimsPrincipal user, AccessAdmin a, CancellationToken ct) =>
                AdminAnswers.Answer(await a.RevokeApiKeyAsync(id, AdminAnswers.Actor(user), ct), "API client"))
            .WithName("RevokeApiKey").WithSummary("Revoke a client's key");
        admin.MapGet("/users", async (AccessAdmin a, CancellationToken ct) => TypedResults.Ok(await a.UsersAsync(ct)))
            .WithName("ListUsers").WithSummary("People with their role and queues");
        admin.MapPut("/users/{userName}/roles", SetRolesAsync).WithName("SetUserRoles").Accepts<SetRolesRequest>("application/json")
            .WithSummary("Set a person's role and/or queue memberships (the role applies from the next sign-in)");
        return app;
    }

    private static async Task<Results<Created<ApiKeySecret>, ProblemHttpResult, ValidationProblem>> CreateKeyAsync(
        HttpRequest request, ClaimsPrincipal user, AccessAdmin a, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreateApiKeyRequest>(request, 16 * 1024, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<Created<ApiKeySecret>>(body.Problem);
        }
        return AdminAnswers.Created(await a.CreateApiKeyAsync(body.Value!, AdminAnswers.Actor(user), ct), v => $"/api/v1/admin/api-keys/{v.Client.Id}", "API client");
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult, ValidationProblem>> SetRolesAsync(
        string userName, HttpRequest request, ClaimsPrincipal user, AccessAdmin a, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<SetRolesRequest>(request, 16 * 1024, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<Ok<UserView>>(body.Problem);
        }
        return AdminAnswers.Answer(await a.SetRolesAsync(userName, body.Value!, AdminAnswers.Actor(user), ct), "user");
    }
}
