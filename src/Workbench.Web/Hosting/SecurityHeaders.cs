using System.Security.Cryptography;

namespace Workbench.Web.Hosting;

/// <summary>
/// Security headers on every response. The Content-Security-Policy allows scripts only from this origin (Blazor
/// Server, MudBlazor and our own are files) plus the one inline import map Blazor writes, which carries this
/// request's nonce; styles may be inline because MudBlazor sets style attributes; the circuit's WebSocket is the
/// same host. Nothing may frame the app. Nothing is cached (<c>no-store</c>) but the static files.
/// </summary>
public static class SecurityHeaders
{
    public const string NonceKey = "wb:csp-nonce";

    /// <summary>The nonce of this response's CSP, for the few inline scripts the framework writes (the import map).</summary>
    public static string? NonceOf(HttpContext? http) => http?.Items[NonceKey] as string;

    public static IApplicationBuilder UseWorkbenchSecurityHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        // A sign-out form posts to us and is redirected to Entra ID's sign-out page: form-action must allow it.
        var formTargets = "'self'";
        if (configuration["AzureAd:Instance"] is { Length: > 0 } instance && Uri.TryCreate(instance, UriKind.Absolute, out var authority))
        {
            formTargets += " " + authority.GetLeftPart(UriPartial.Authority);
        }
        string Csp(string scripts, string host) =>
            $"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            $"font-src 'self' data:; connect-src 'self' ws://{host} wss://{host}; frame-ancestors 'none'; " +
            $"base-uri 'self'; form-action {formTargets}; object-src 'none'";
        // An API response renders no inline script, so it needs no nonce: its policy is the same for every request to
        // a host, built once (a random nonce and a 400-character string per call were measurable on the intake path).
        // One reference, swapped whole: concurrent requests never see a host paired with another host's policy.
        Tuple<string, string>? apiPolicy = null;
        return app.Use((http, next) =>
        {
            var host = http.Request.Host.Value ?? "";
            string csp;
            if (http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/api/docs"))
            {
                var cached = Volatile.Read(ref apiPolicy);
                if (cached is null || cached.Item1 != host)
                {
                    cached = Tuple.Create(host, Csp("'self'", host));
                    Volatile.Write(ref apiPolicy, cached);
                }
                csp = cached.Item2;
            }
            else
            {
                var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
                http.Items[NonceKey] = nonce;
                // The browsable API reference (Scalar) is a page of inline script: it alone gets 'unsafe-inline'.
                csp = Csp(http.Request.Path.StartsWithSegments("/api/docs") ? "'self' 'unsafe-inline'" : $"'self' 'nonce-{nonce}'", host);
            }
            // Set as the response starts, so that error responses (whose handler clears the headers) carry them too.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = csp;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                // Case data (API answers, pages, exports) is kept by no cache, shared or the browser's own. The static
                // files keep their own caching (fingerprinted ones are immutable): they are known by their endpoint,
                // as their handler may set its header after this callback has run.
                if (string.IsNullOrEmpty(headers.CacheControl) &&
                    http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is null)
                {
                    headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
            return next(http);
        });
    }
}
