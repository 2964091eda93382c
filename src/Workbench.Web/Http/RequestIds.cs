using System.Diagnostics;

namespace Workbench.Web.Http;

/// <summary>
/// Every response names its request: <c>X-Request-Id</c> (the same id as <c>traceId</c> in a problem body and in the
/// audit trail) and <c>traceparent</c>, the W3C trace context of the request's server span. A caller that sent a valid
/// <c>traceparent</c> gets its own trace id back, so its logs and ours join up. API responses also carry the client's
/// rate-limit state (<see cref="ApiRateLimits"/>).
/// </summary>
public static class RequestIds
{
    public const string RequestIdHeader = "X-Request-Id";
    public const string TraceParentHeader = "traceparent";

    public static WebApplication UseWorkbenchRequestIds(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<ApiRateLimits>();
        app.Use((http, next) =>
        {
            var traceParent = TraceParentOf(http);
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers[RequestIdHeader] = http.TraceIdentifier;
                headers[TraceParentHeader] = traceParent;
                limits.WriteHeaders(http);
                return Task.CompletedTask;
            });
            return next(http);
        });
        return app;
    }

    /// <summary>
    /// The request's trace context: the server activity's where there is one (the host continues a caller's trace
    /// in it); otherwise the caller's trace id with a span of ours, or a new trace when the caller sent none that parses.
    /// </summary>
    public static string TraceParentOf(HttpContext http)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return activity.Id!;
        }
        var sent = http.Request.Headers[TraceParentHeader].ToString();
        var span = ActivitySpanId.CreateRandom().ToHexString();
        return ActivityContext.TryParse(sent, null, out var caller)
            ? $"00-{caller.TraceId.ToHexString()}-{span}-{((int)caller.TraceFlags).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)}"
            : $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{span}-00";
    }
}
