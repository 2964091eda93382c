using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Workbench.Web.Health;

namespace Workbench.Web.Http;

/// <summary>
/// An API request that fails because the database cannot be reached (PostgreSQL stopped or restarting, a dropped
/// connection, SQLite busy past its timeout, a transient SQL Server error; <see cref="DatabaseErrors"/>) answers
/// 503 with <c>Retry-After</c> and <c>urn:workbench:problem:database-unavailable</c>, not 500: the client should
/// send the same request again, with the same Idempotency-Key, which can only replay and never duplicate. Every
/// write is one transaction, so the request left either its whole case or nothing.
/// </summary>
public sealed class DatabaseUnavailableHandler(
    IProblemDetailsService problems, IOptionsMonitor<OperationsOptions> options, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (!http.Request.Path.StartsWithSegments("/api") || !DatabaseErrors.IsUnavailable(exception) || http.Response.HasStarted)
        {
            return false;
        }
        // One line, no stack: an outage would otherwise fill the log with the same trace per request.
        logger.LogWarning("The database is unavailable; {Method} {Path} answered 503: {Error}",
            http.Request.Method, http.Request.Path, exception.GetBaseException().Message);
        var seconds = Math.Max(1, options.CurrentValue.DatabaseRetryAfterSeconds);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.DatabaseUnavailable,
                Title = "The database is unavailable",
                Detail = $"Workbench cannot reach its database right now. Send the same request again after {seconds} s " +
                         "(the Retry-After header), with the same Idempotency-Key: a request that did commit is then answered with its receipt, never saved twice.",
            },
        });
    }
}
