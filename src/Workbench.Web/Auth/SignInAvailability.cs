using System.Net;

namespace Workbench.Web.Auth;

/// <summary>
/// When Entra ID cannot be reached (its discovery document or keys do not download: the network, DNS, an outage or a
/// wrong <c>AzureAd:Instance</c>), the OpenID Connect handler throws while it builds the redirect or reads the
/// callback. Without this the person gets the generic error page, and a lead cannot tell an outage of sign-in from a
/// fault of Workbench. With it: 503 with <c>Retry-After</c>, a page that says what happened and what to do, and one
/// log line naming the authority (never shown to the person: it can name internal hosts).
/// </summary>
public static class SignInAvailability
{
    /// <summary>Seconds a browser or client is told to wait: the handler retries the download on the next request.</summary>
    public const int RetryAfterSeconds = 30;

    public static IApplicationBuilder UseWorkbenchSignInAvailability(this IApplicationBuilder app)
    {
        if (!AuthExtensions.EntraSignInConfigured(app.ApplicationServices.GetRequiredService<IConfiguration>()))
        {
            return app;
        }
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInAvailability));
        return app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (Exception ex) when (IsIdentityProviderUnreachable(ex) && !http.Response.HasStarted)
            {
                logger.LogError("Sign-in is unavailable: the identity provider cannot be reached ({Error}).", ex.GetBaseException().Message);
                await WriteAsync(http);
            }
        });
    }

    /// <summary>
    /// The identity provider's metadata could not be downloaded: Microsoft.IdentityModel reports it as IDX20803
    /// ("unable to obtain configuration") over IDX20804 ("unable to retrieve document"), with the network error inside.
    /// </summary>
    public static bool IsIdentityProviderUnreachable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException || e.Message.Contains("IDX20803", StringComparison.Ordinal)
                || e.Message.Contains("IDX20804", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    // The page the person asked for, when asking again makes sense (a GET, a local path); else the home page. A path
    // like "//host" would be a link to another site.
    private static string RetryTarget(HttpContext http)
    {
        var path = (http.Request.PathBase + http.Request.Path).Value ?? "/";
        return HttpMethods.IsGet(http.Request.Method) && path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal)
            && !path.StartsWith("/\\", StringComparison.Ordinal) && !path.StartsWith("/signin-oidc", StringComparison.Ordinal)
            ? path + http.Request.QueryString
            : "/";
    }

    private static async Task WriteAsync(HttpContext http)
    {
        http.Response.Clear();
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            await Problems.Of(503, ProblemTypes.Unavailable, "Sign-in unavailable",
                $"The identity provider cannot be reached, so no one can sign in now. Try again in {RetryAfterSeconds} seconds.").ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "text/html; charset=utf-8";
        // Written here rather than rendered by a component: the page must not depend on anything sign-in touches.
        var id = WebUtility.HtmlEncode(System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);
        await http.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="{{RetryAfterSeconds}}">
            <title>Sign-in unavailable · Workbench</title>
            <style>
              body { font-family: Roboto, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; background: #f5f5f5; color: #212121; }
              main { max-width: 36rem; margin: 12vh auto; background: #fff; padding: 2rem 2.5rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
              h1 { font-size: 1.5rem; font-weight: 500; margin: 0 0 1rem; }
              p { line-height: 1.5; margin: .75rem 0; }
              code { background: #eee; padding: .1rem .3rem; border-radius: 4px; }
              a { color: #1565c0; }
              @media (prefers-color-scheme: dark) { body { background: #1e1e2d; color: #e0e0e0; } main { background: #27273a; } code { background: #33334a; } a { color: #90caf9; } }
            </style>
            </head>
            <body>
            <main>
              <h1>Sign-in is unavailable right now</h1>
              <p>Workbench cannot reach the identity provider your organisation signs in with, so it cannot sign you in. Nothing you were doing was lost: no case was decided or changed.</p>
              <p>This page tries again by itself in {{RetryAfterSeconds}} seconds, or <a href="{{WebUtility.HtmlEncode(RetryTarget(http))}}">try again now</a>.</p>
              <p>If it lasts, tell your Workbench administrator and give them this id: <code>{{id}}</code>.</p>
            </main>
            </body>
            </html>
            """);
    }
}
