using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;
using Workbench.Web.Observability;

namespace Workbench.Web.Review;

/// <summary>
/// The review service over HTTP for integrations (chat-ops, mobile), authenticated as a user. Same rules and
/// problem types as the pages. Every POST must carry a JSON body (`{}` will do): a cross-site form cannot send
/// one without a CORS preflight, which this API never grants — that is its CSRF defence with cookie sign-in.
/// </summary>
public static class ReviewApi
{
    public sealed record AssignRequest(string Reviewer);

    public static IHostApplicationBuilder AddWorkbenchReview(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ReviewOptions>(builder.Configuration.GetSection("Review"));
        builder.Services.AddSingleton<IValidateOptions<ReviewOptions>, ReviewOptionsValidation>();
        builder.Services.AddSingleton<ReviewService>();
        builder.Services.AddSingleton<BulkReviewService>();
        builder.Services.AddSingleton<CaseDetails>();
        builder.Services.AddSingleton<DoubleReviewService>();
        builder.Services.AddSingleton<SpotCheckService>();
        builder.Services.AddHostedService<LeaseSweeper>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchReview(this IEndpointRouteBuilder app)
    {
        var review = app.MapGroup("/api/v1/review").WithTags("Review").RequireAuthorization(WorkbenchPolicies.Review)
            .RequireJsonBody("Review API").AddEndpointFilter<CaseScopeFilter>()
            .WithProblems(403, ProblemTypes.Forbidden, ProblemTypes.SelfApproval, ProblemTypes.SecondApproverRequired, ProblemTypes.NotClaimHolder)
            .WithProblems(404, ProblemTypes.NotFound)
            .WithProblems(409, ProblemTypes.AlreadyClaimed, ProblemTypes.IllegalTransition, ProblemTypes.NotClaimHolder, ProblemTypes.StaleRevision,
                ProblemTypes.ConcurrentChange);
        review.MapPost("/next", NextAsync).WithName("ReviewNext").WithSummary("Claim the most urgent unclaimed case you may work");
        review.MapPost("/cases/{id:guid}/claim", ClaimAsync).WithName("ReviewClaim").WithSummary("Claim a case (a lease; renewing your own)");
        review.MapPost("/cases/{id:guid}/release", ReleaseAsync).WithName("ReviewRelease").WithSummary("Give a claimed case back to its queue");
        review.MapPost("/cases/{id:guid}/actions", ActAsync).WithName("ReviewAct").Accepts<ReviewActionRequest>("application/json")
            .WithSummary("approve | approve_with_edits | reject | request_info | route, with the root cause (required on approve_with_edits and reject)");
        review.MapPost("/cases/{id:guid}/undo", UndoAsync).WithName("ReviewUndo")
            .WithProblems(409, ProblemTypes.UndoWindowClosed)
            .WithSummary("Take your decision back while its undo window lasts, before it reaches the AI system: the case is in review again, claimed by you");
        review.MapPost("/cases/{id:guid}/classification", ClassifyAsync).WithName("ReviewClassify").Accepts<ClassificationRequest>("application/json")
            .WithProblems(409, ProblemTypes.DoubleReviewPending)
            .WithSummary("Give or change the root cause and whether the escalation was necessary (your own action's or spot-check verdict's; a lead's for any case)");
        review.MapPost("/cases/{id:guid}/assign", AssignAsync).WithName("ReviewAssign").Accepts<AssignRequest>("application/json")
            .RequireAuthorization(WorkbenchPolicies.Lead).WithSummary("Lead: put a case at the top of a reviewer's queue");

        // Blind double review: nothing here carries the first review (decision, edits, notes, actions, history).
        var blind = app.MapGroup("/api/v1/review/double-reviews").WithTags("Review").RequireAuthorization(WorkbenchPolicies.Review)
            .WithProblems(409, ProblemTypes.DoubleReviewDone);
        blind.MapGet("/", PendingDoubleReviewsAsync).WithName("DoubleReviewsPending")
            .WithSummary("Blind second reviews you may give (cases you did not act on, in your queues)");
        blind.MapGet("/{id:guid}", BlindCaseAsync).WithName("DoubleReviewCase").WithSummary("The case as the blind second reviewer sees it");
        blind.MapPost("/{id:guid}/verdict", VerdictAsync).WithName("DoubleReviewVerdict").Accepts<DoubleReviewVerdictRequest>("application/json")
            .RequireJsonBody("Review API").WithSummary("Record the blind second review: approve | approve_with_edits | reject (the case's decision is unchanged)");
        app.MapWorkbenchSpotChecks();
        return app;
    }

    public static async Task<Ok<IReadOnlyList<PendingDoubleReview>>> PendingDoubleReviewsAsync(
        ClaimsPrincipal user, ReviewerDirectory directory, DoubleReviewService doubleReviews, CancellationToken ct) =>
        TypedResults.Ok(await doubleReviews.PendingAsync(await directory.IdentityAsync(user, ct), ct: ct));

    public static async Task<Results<Ok<BlindReviewView>, ProblemHttpResult>> BlindCaseAsync(
        Guid id, ClaimsPrincipal user, ReviewerDirectory directory, DoubleReviewService doubleReviews, CancellationToken ct) =>
        await doubleReviews.BlindAsync(await directory.IdentityAsync(user, ct), id, ct) is { } blind
            ? TypedResults.Ok(blind.View)
            : Problems.NotFound("blind second review");

    public static async Task<Results<Ok<DoubleReviewVerdictView>, ProblemHttpResult, ValidationProblem>> VerdictAsync(
        Guid id, HttpContext http, ReviewerDirectory directory, DoubleReviewService doubleReviews, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<DoubleReviewVerdictRequest>(http.Request, 256 * 1024, ct);
        if (body.Problem is not null)
        {
            return body.Problem switch
            {
                ProblemHttpResult p => p,
                ValidationProblem v => v,
                _ => throw new InvalidOperationException(),
            };
        }
        return await doubleReviews.SubmitAsync(await directory.IdentityAsync(http.User, ct), id, body.Value!, ct) switch
        {
            DoubleReviewResult.Ok ok => TypedResults.Ok(ok.Verdict),
            DoubleReviewResult.NotFound => Problems.NotFound("blind second review"),
            DoubleReviewResult.Conflict c => Problems.Of(409, c.Type, "Already reviewed", c.Detail),
            DoubleReviewResult.Invalid i => Problems.Invalid(i.Errors),
            _ => throw new InvalidOperationException("Unknown double review result."),
        };
    }

    public static async Task<Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem>> NextAsync(
        string? queue, ClaimsPrincipal user, ReviewerDirectory directory, ReviewService reviews, CancellationToken ct) =>
        ToResult(await reviews.NextAsync(await directory.IdentityAsync(user, ct), queue, ct), emptyIsNoContent: true);

    public static async Task<Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem>> ClaimAsync(
        Guid id, ClaimsPrincipal user, ReviewerDirectory directory, ReviewService reviews, DoubleReviewService blind, CancellationToken ct)
    {
        var me = await directory.IdentityAsync(user, ct);
        return ToResult(await BlindedAsync(await reviews.ClaimAsync(me, id, ct), id, me, blind, ct));
    }

    public static async Task<Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem>> ReleaseAsync(
        Guid id, ClaimsPrincipal user, ReviewerDirectory directory, ReviewService reviews, DoubleReviewService blind, CancellationToken ct)
    {
        var me = await directory.IdentityAsync(user, ct);
        return ToResult(await BlindedAsync(await reviews.ReleaseAsync(me, id, ct), id, me, blind, ct));
    }

    /// <summary>
    /// A refusal on a decided case carries its current state, decision included: not to someone who could still give its
    /// blind second review.
    /// </summary>
    private static async Task<ReviewResult> BlindedAsync(ReviewResult result, Guid id, ReviewerIdentity me, DoubleReviewService blind, CancellationToken ct) =>
        result is ReviewResult.Conflict { Current.Decision: not null } conflict && await blind.WithholdsAsync(id, me.UserName, ct)
            ? conflict with
            {
                Detail = "The case is decided and waiting for a blind second review; see /double-reviews.",
                Current = conflict.Current with { Decision = null, ApprovedBy = [], ClaimedBy = null, AssignedTo = null },
            }
            : result;

    public static async Task<Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem>> ActAsync(
        Guid id, HttpContext http, ReviewerDirectory directory, ReviewService reviews, DoubleReviewService blind, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReviewActionRequest>(http.Request, 256 * 1024, ct);
        if (body.Problem is not null)
        {
            return body.Problem switch
            {
                ProblemHttpResult p => p,
                ValidationProblem v => v,
                _ => throw new InvalidOperationException(),
            };
        }
        var me = await directory.IdentityAsync(http.User, ct);
        return ToResult(await BlindedAsync(await reviews.ActAsync(me, id, body.Value!, ct), id, me, blind, ct));
    }

    public static async Task<Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem>> UndoAsync(
        Guid id, ClaimsPrincipal user, ReviewerDirectory directory, ReviewService reviews, DoubleReviewService blind, CancellationToken ct)
    {
        var me = await directory.IdentityAsync(user, ct);
        return ToResult(await BlindedAsync(await reviews.UndoAsync(me, id, ct), id, me, blind, ct));
    }

    /// <summary>
    /// The classification of a case after the action: a reviewer's own, or any case's for a lead — but never for
    /// someone who could still give its blind second review, since it tells how the first review went.
    /// </summary>
    public static async Task<Results<Ok<ClassificationView>, ProblemHttpResult, ValidationProblem>> ClassifyAsync(
        Guid id, HttpContext http, ReviewerDirectory directory, ReviewService reviews, DoubleReviewService blind, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ClassificationRequest>(http.Request, 16 * 1024, ct);
        if (body.Problem is not null)
        {
            return body.Problem switch
            {
                ProblemHttpResult p => p,
                ValidationProblem v => v,
                _ => throw new InvalidOperationException(),
            };
        }
        var me = await directory.IdentityAsync(http.User, ct);
        // A case outside the caller's queues is not found, before anything else about it is told (a pending blind review too).
        if (!await reviews.MayWorkAsync(me, id, ct))
        {
            return Problems.NotFound("case");
        }
        if (await blind.WithholdsAsync(id, me.UserName, ct))
        {
            return Problems.Of(409, ProblemTypes.DoubleReviewPending, "Blind second review pending",
                "The case waits for a blind second review, which you could still give; its classification is withheld until then.");
        }
        return await reviews.ClassifyAsync(me, id, body.Value!.RootCause, body.Value.EscalationNecessary, ct) switch
        {
            ReviewResult.Classified ok => TypedResults.Ok(ok.Classification),
            ReviewResult.NotFound => Problems.NotFound("case"),
            ReviewResult.Forbidden f => Problems.Of(403, f.Type, "Not allowed", f.Detail),
            ReviewResult.Conflict conflict => Problems.Of(409, conflict.Type, "Changed at the same moment", conflict.Detail),
            ReviewResult.Invalid i => Problems.Invalid(i.Errors),
            var other => throw new InvalidOperationException($"Unexpected classify result {other.GetType().Name}."),
        };
    }

    public static async Task<Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem>> AssignAsync(
        Guid id, AssignRequest request, ClaimsPrincipal user, ReviewerDirectory directory, ReviewService reviews, DoubleReviewService blind,
        CancellationToken ct)
    {
        var assignee = await directory.FindAsync(request.Reviewer ?? "", ct);
        if (assignee is null)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["$.reviewer"] = [$"There is no reviewer named '{request.Reviewer}'."] });
        }
        var me = await directory.IdentityAsync(user, ct);
        return ToResult(await BlindedAsync(await reviews.AssignAsync(me, id, ReviewerDirectory.IdentityOf(assignee), ct), id, me, blind, ct));
    }

    private static Results<Ok<ReviewCaseView>, NoContent, ProblemHttpResult, ValidationProblem> ToResult(ReviewResult result, bool emptyIsNoContent = false) =>
        result switch
        {
            ReviewResult.Ok ok => TypedResults.Ok(ok.Case),
            ReviewResult.Empty when emptyIsNoContent => TypedResults.NoContent(),
            ReviewResult.Empty => Problems.NotFound("case"),
            ReviewResult.NotFound => Problems.NotFound("case"),
            ReviewResult.Forbidden f => Problems.Of(403, f.Type, "Not allowed", f.Detail),
            ReviewResult.Conflict c => Problems.Of(409, c.Type, "Not possible now", c.Detail,
                new Dictionary<string, object?> { ["current"] = c.Current }),
            ReviewResult.Invalid i => Problems.Invalid(i.Errors),
            _ => throw new InvalidOperationException("Unknown review result."),
        };
}
