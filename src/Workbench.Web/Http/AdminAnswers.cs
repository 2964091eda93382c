using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Workbench.Web.Http;

/// <summary>What an admin act gives: its value, "no such thing", or the fields that are wrong.</summary>
public abstract record AdminResult<T>
{
    public sealed record Ok(T Value) : AdminResult<T>;
    public sealed record NotFound : AdminResult<T>;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : AdminResult<T>;
}

/// <summary>How the admin APIs (access and webhooks) answer: who acts, an <see cref="AdminResult{T}"/> as 200 / 400 / 404, a body problem as itself.</summary>
internal static class AdminAnswers
{
    /// <summary>The signed-in admin, the actor of the audit event the act writes.</summary>
    public static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "admin";

    public static Results<Ok<T>, ProblemHttpResult, ValidationProblem> Answer<T>(AdminResult<T> result, string what) => result switch
    {
        AdminResult<T>.Ok ok => TypedResults.Ok(ok.Value),
        AdminResult<T>.Invalid invalid => Problems.Invalid(invalid.Errors),
        _ => Problems.NotFound(what),
    };

    /// <summary>A create: 201 with the new thing's address, 400 with the fields that are wrong, or 404 for what it belongs to.</summary>
    public static Results<Created<T>, ProblemHttpResult, ValidationProblem> Created<T>(AdminResult<T> result, Func<T, string> location, string what) => result switch
    {
        AdminResult<T>.Ok ok => TypedResults.Created(location(ok.Value), ok.Value),
        AdminResult<T>.Invalid invalid => Problems.Invalid(invalid.Errors),
        _ => Problems.NotFound(what),
    };

    /// <summary>The problem <see cref="JsonBody"/> found in a request body, as the endpoint's answer.</summary>
    public static Results<TOk, ProblemHttpResult, ValidationProblem> BodyProblem<TOk>(IResult problem) where TOk : IResult => problem switch
    {
        ProblemHttpResult p => p,
        ValidationProblem v => v,
        _ => Problems.Of(400, ProblemTypes.Validation, "Invalid body"),
    };
}
