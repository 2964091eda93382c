namespace Workbench.Web.Http;

/// <summary>
/// The one endpoint filter behind every API used with a sign-in cookie (admin, webhooks, review): a change (anything
/// but GET or HEAD) needs a JSON body (<c>{}</c> will do). A cross-site form or a simple request cannot send
/// <c>application/json</c> without a CORS preflight, and no preflight is ever granted, so another site cannot make a
/// signed-in browser change anything (CSRF).
/// </summary>
public static class RequireJsonBodyFilter
{
    public static TBuilder RequireJsonBody<TBuilder>(this TBuilder builder, string api) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new JsonBodyRequired()).AddEndpointFilter(async (ctx, next) =>
        {
            var request = ctx.HttpContext.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) &&
                !(request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false))
            {
                return Problems.Of(415, ProblemTypes.UnsupportedMediaType, "Send a JSON body",
                    $"{api} changes need Content-Type: application/json (an empty object is fine).");
            }
            return await next(ctx);
        });
}
