using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;
using Workbench.Web.Observability;

namespace Workbench.Web.Notes;

/// <summary>
/// Internal notes over HTTP, beside the review API and under its rules: signed-in users who work the case's queue
/// (anyone else gets 404), a JSON body on every POST (the CSRF defence of the review API).
/// </summary>
public static class NotesApi
{
    public static IHostApplicationBuilder AddWorkbenchNotes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NotesService>();
        builder.Services.AddSingleton<BulkRouteNotes>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchNotes(this IEndpointRouteBuilder app)
    {
        var notes = app.MapGroup("/api/v1/review/cases/{id:guid}/notes").WithTags("Review").RequireAuthorization(WorkbenchPolicies.Review)
            .RequireJsonBody("Review API").AddEndpointFilter<CaseScopeFilter>().WithProblems(404, ProblemTypes.NotFound);
        notes.MapGet("/", ListAsync).WithName("ReviewNotes").WithSummary("The case's internal notes, oldest first (never sent to the AI system)");
        notes.MapPost("/", AddAsync).WithName("ReviewAddNote").Accepts<NoteRequest>("application/json")
            .WithSummary("Write an internal note; @name mentions a colleague who works the case (an unknown name refuses the note)");
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<NoteView>>, ProblemHttpResult>> ListAsync(
        Guid id, ClaimsPrincipal user, ReviewerDirectory directory, NotesService notes, CancellationToken ct) =>
        await notes.ListAsync(await directory.IdentityAsync(user, ct), id, ct) is NoteResult.Listed listed
            ? TypedResults.Ok(listed.Notes)
            : Problems.NotFound("case");

    public static async Task<Results<Created<NoteView>, ProblemHttpResult, ValidationProblem>> AddAsync(
        Guid id, HttpContext http, ReviewerDirectory directory, NotesService notes, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<NoteRequest>(http.Request, 32 * 1024, ct);
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
        return await notes.AddAsync(me, id, body.Value!.Text, ct) switch
        {
            NoteResult.Written w => TypedResults.Created($"/api/v1/review/cases/{id}/notes", w.Note),
            NoteResult.NotFound => Problems.NotFound("case"),
            NoteResult.Invalid i => Problems.Invalid(i.Errors),
            var other => throw new InvalidOperationException($"Unexpected note result {other.GetType().Name}."),
        };
    }
}
