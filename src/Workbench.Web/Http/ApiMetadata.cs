namespace Workbench.Web.Http;

/// <summary>
/// Endpoint metadata: a status an operation answers with a problem detail, and the problem types it may carry there.
/// The OpenAPI document lists these beside the ones every operation of its kind has (401, 403, 404, 429, 503 …).
/// </summary>
public sealed record ProblemResponse(int Status, IReadOnlyList<string> Types);

/// <summary>Marks an endpoint whose changes need a JSON body (<see cref="RequireJsonBodyFilter"/>): 415 otherwise.</summary>
public sealed record JsonBodyRequired;

/// <summary>Marks an endpoint that reads the <c>Idempotency-Key</c> header.</summary>
public sealed record IdempotencyKeyAccepted;

/// <summary>The range the endpoint accepts for an integer query parameter (400 validation outside it).</summary>
public sealed record ParameterRange(string Name, int Minimum, int Maximum);

/// <summary>A string query parameter that takes one value of an enum, in its snake_case spelling (400 validation otherwise).</summary>
public sealed record ParameterEnum(string Name, Type EnumType);

/// <summary>The JSON Schema format of a string query parameter the endpoint parses itself (e.g. <c>date-time</c>).</summary>
public sealed record ParameterFormat(string Name, string Format);

public static class ApiMetadataExtensions
{
    /// <summary>Declares that the endpoint answers <paramref name="status"/> with one of <paramref name="types"/>.</summary>
    public static TBuilder WithProblems<TBuilder>(this TBuilder builder, int status, params string[] types) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemResponse(status, types));
}
