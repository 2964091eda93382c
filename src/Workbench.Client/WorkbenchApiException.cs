using System.Net;

namespace Workbench.Client;

/// <summary>
/// The Workbench API answered with a non-success status. When the answer was an RFC 9457 problem detail
/// (<c>application/problem+json</c>) its fields are exposed; otherwise only what the response tells.
/// </summary>
public sealed class WorkbenchApiException : Exception
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>Creates the exception from what is known about the failed response.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="problemType">The problem detail's <c>type</c>, if any.</param>
    /// <param name="title">The problem detail's <c>title</c> (or the reason phrase), if any.</param>
    /// <param name="detail">The problem detail's <c>detail</c>, if any.</param>
    /// <param name="errors">Validation errors by JSON path, if any.</param>
    /// <param name="retryAfter">The delay asked for by the <c>Retry-After</c> header, if any.</param>
    /// <param name="traceId">The server's trace id, if any.</param>
    public WorkbenchApiException(
        HttpStatusCode statusCode,
        string? problemType = null,
        string? title = null,
        string? detail = null,
        IReadOnlyDictionary<string, string[]>? errors = null,
        TimeSpan? retryAfter = null,
        string? traceId = null)
        : base(BuildMessage(statusCode, title, detail, errors))
    {
        StatusCode = statusCode;
        ProblemType = problemType;
        Title = title;
        Detail = detail;
        Errors = errors ?? NoErrors;
        RetryAfter = retryAfter;
        TraceId = traceId;
    }

    /// <summary>The HTTP status code of the response.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem detail's stable <c>type</c> URI; <see langword="null"/> when the body was not a problem detail.</summary>
    public string? ProblemType { get; }

    /// <summary>The problem detail's <c>title</c>, or the response's reason phrase.</summary>
    public string? Title { get; }

    /// <summary>The problem detail's <c>detail</c>: what went wrong with this request.</summary>
    public string? Detail { get; }

    /// <summary>Validation errors: JSON path of the offending field → messages. Empty when there are none.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>How long the server asked the client to wait (<c>Retry-After</c>), e.g. on 429 or 503.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The server's trace id, to quote when asking the Workbench operators.</summary>
    public string? TraceId { get; }

    private static string BuildMessage(
        HttpStatusCode statusCode, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    {
        var message = $"Workbench API answered {(int)statusCode} {title ?? statusCode.ToString()}";
        if (!string.IsNullOrWhiteSpace(detail))
        {
            message += $": {detail}";
        }

        if (errors is { Count: > 0 })
        {
            message += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        }

        return message;
    }
}
