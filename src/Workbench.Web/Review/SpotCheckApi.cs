using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;

namespace Workbench.Web.Review;

/// <summary>
/// The review API's spot checks: the sampled proceed cases a reviewer checks after the AI system has its answer.
/// Same rules and problem types as the pages.
/// </summary>
public static class SpotCheckApi
{
    public static IEndpointRouteBuilder MapWorkbenchSpotChecks(this IEndpointRouteBuilder app)
    {
        var spot = app.MapGroup("/api/v1/review/spot-checks").WithTags("Review").RequireAuthorization(WorkbenchPolicies.Review);
        spot.MapGet("/", PendingAsync).WithName("SpotChecksPending")
            .WithSummary("Open spot checks of your queues, oldest first (aged-out ones are not listed: they stay 'not reviewed')");
        spot.MapGet("/{id:guid}", FindAsync).WithName("SpotCheck").WithSummary("A spot check: its state, claim, verdict and the decision the AI system got");
        var post = spot.MapGroup("").RequireJsonBody("Review API");
        post.MapPost("/next", NextAsync).WithName("SpotCheckNext").WithSummary("Claim the oldest open spot check you may work");
        post.MapPost("/{id:guid}/claim", ClaimAsync).WithName("SpotCheckClaim").WithSummary("Claim a spot check (a lease; renewing your own)");
        post.MapPost("/{id:guid}/release", ReleaseAsync).WithName("SpotCheckRelease").WithSummary("Give a claimed spot check back");
        post.MapPost("/{id:guid}/verdict", VerdictAsync).WithName("SpotCheckVerdict").Accepts<SpotCheckVerdictRequest>("application/json")
            .WithSummary("agree | would_have_edited (with the edit) | would_have_rejected (with the reason code), and the root cause; the case is unchanged");

        return app;
    }

    public static async Task<Ok<IReadOnlyList<PendingSpotCheck>>> PendingAsync(ClaimsPrincipal user, ReviewerDirectory directory, SpotCheckService spotChecks,
        CancellationToken ct) =>
        TypedResults.Ok(await spotChecks.PendingAsync(await directory.IdentityAsync(user, ct), ct: ct));

    public static async Task<Results<Ok<SpotCheckView>, ProblemHttpResult>> FindAsync(Guid id, ClaimsPrincipal user, ReviewerDirectory directory,
        SpotCheckService spotChecks, CancellationToken ct) =>
        await spotChecks.FindAsync(await directory.IdentityAsync(user, ct), id, ct) is { } view ? TypedResults.Ok(view) : Problems.NotFound("spot check");

    public static async Task<Results<Ok<SpotCheckView>, NoContent, ProblemHttpResult, ValidationProblem>> NextAsync(string? queue, ClaimsPrincipal user,
        ReviewerDirectory directory, SpotCheckService spotChecks, CancellationToken ct) =>
        ToResult(await spotChecks.NextAsync(await directory.IdentityAsync(user, ct), queue, ct));

    public static async Task<Results<Ok<SpotCheckView>, NoContent, ProblemHttpResult, ValidationProblem>> ClaimAsync(Guid id, ClaimsPrincipal user,
        ReviewerDirectory directory, SpotCheckService spotChecks, CancellationToken ct) =>
        ToResult(await spotChecks.ClaimAsync(await directory.IdentityAsync(user, ct), id, ct));

    public static async Task<Results<Ok<SpotCheckView>, NoContent, ProblemHttpResult, ValidationProblem>> ReleaseAsync(Guid id, ClaimsPrincipal user,
        ReviewerDirectory directory, SpotCheckService spotChecks, CancellationToken ct) =>
        ToResult(await spotChecks.ReleaseAsync(await directory.IdentityAsync(user, ct), id, ct));

    public static async Task<Results<Ok<SpotCheckView>, NoContent, ProblemHttpResult, ValidationProblem>> VerdictAsync(Guid id, HttpContext http,
        ReviewerDirectory directory, SpotCheckService spotChecks, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<SpotCheckVerdictRequest>(http.Request, 256 * 1024, ct);
        if (body.Problem is not null)
        {
            return Unwrap<SpotCheckView>(body.Problem);
        }
        return ToResult(await spotChecks.RecordAsync(await directory.IdentityAsync(http.User, ct), id, body.Value!, ct));
    }

    private static Results<Ok<SpotCheckView>, NoContent, ProblemHttpResult, ValidationProblem> ToResult(SpotCheckResult result) => result switch
    {
        SpotCheckResult.Ok ok => TypedResults.Ok(ok.SpotCheck),
        SpotCheckResult.Empty => TypedResults.NoContent(),
        SpotCheckResult.NotFound => Problems.NotFound("spot check"),
        SpotCheckResult.Forbidden f => Problems.Of(403, f.Type, "Not allowed", f.Detail),
        SpotCheckResult.Conflict c => Problems.Of(409, c.Type, "Not possible now", c.Detail, new Dictionary<string, object?> { ["current"] = c.Current }),
        SpotCheckResult.Invalid i => Problems.Invalid(i.Errors),
        _ => throw new InvalidOperationException("Unknown spot-check result."),
    };

    private static Results<Ok<T>, NoContent, ProblemHttpResult, ValidationProblem> Unwrap<T>(IResult problem) => problem switch
    {
        ProblemHttpResult p => p,
        ValidationProblem v => v,
        _ => throw new InvalidOperationException("Unknown problem result."),
    };
}
