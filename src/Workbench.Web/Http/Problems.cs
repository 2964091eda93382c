using Microsoft.AspNetCore.Http.HttpResults;

namespace Workbench.Web.Http;

public static class Problems
{
    public static ProblemHttpResult Of(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type, extensions: extensions);

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail: detail ?? "The request has invalid fields; each is listed under errors by its JSON path.",
            title: "The request is not valid", type: ProblemTypes.Validation);

    public static ProblemHttpResult NotFound(string what) =>
        Of(404, ProblemTypes.NotFound, "Not found", $"There is no {what} you can see with that id.");
}
