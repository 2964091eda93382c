using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Workbench.Web.Tests.Auth;

/// <summary>
/// Every route the app maps, from its EndpointDataSource, against every kind of caller. A route missing from
/// <see cref="Expected"/> fails the test: a new endpoint must say who may call it.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.AddSingleScopeClientsAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Who may call a route.</summary>
    public enum Access
    {
        /// <summary>Anyone, signed in or not (sign-in pages, health, API description, framework and static files).</summary>
        Public,
        /// <summary>Any person signed in with a Workbench role.</summary>
        SignedIn,
        /// <summary>People who work queues: reviewers and leads.</summary>
        Review,
        Lead,
        Admin,
        LeadOrAdmin,
        /// <summary>API clients with cases:submit.</summary>
        ApiSubmit,
        /// <summary>API clients with cases:read.</summary>
        ApiRead,
        /// <summary>API clients with either scope (the MCP server; each tool checks its own scope).</summary>
        ApiAny,
        /// <summary>People with a role, or API clients with cases:read (the live hub; each join checks its group).</summary>
        SignedInOrApiRead,
        /// <summary>A Lead signed in, or API credentials with exports:read (the eval export).</summary>
        LeadOrApiExport,
        /// <summary>Development-only diagnostics (the route does not exist in other environments).</summary>
        DevelopmentOnly,
    }

    public enum Caller { Anonymous, Rita, Lena, Adam, SubmitClient, ReadClient, ExportClient }

    /// <summary>"METHOD route pattern" → who may call it. Add every new endpoint here.</summary>
    private static readonly Dictionary<string, Access> Expected = new(StringComparer.Ordinal)
    {
        // Pages
        ["GET /"] = Access.SignedIn,
        ["GET /queues"] = Access.Review,
        ["GET /queues/{Name}"] = Access.Review,
        ["GET /cases/{Id:guid}"] = Access.Review,
        ["GET /board"] = Access.Lead,
        ["GET /insights"] = Access.Lead,
        ["GET /policies"] = Access.Review, // reviewers read the active version; drafting and publishing are for leads
        ["GET /cases/{Id:guid}/audit"] = Access.SignedIn, // the page itself checks the case's queue
        ["GET /audit"] = Access.LeadOrAdmin,
        ["GET /admin"] = Access.Admin,
        ["GET /admin/api-keys"] = Access.Admin,
        ["GET /admin/people"] = Access.Admin,
        ["GET /admin/notifications"] = Access.Admin,
        ["GET /account/notifications"] = Access.SignedIn,
        ["GET /account/login"] = Access.Public,
        ["GET /account/denied"] = Access.Public,
        ["GET /error"] = Access.Public,
        ["GET /not-found"] = Access.Public,
        // Pages also take POST (Blazor's forms), under the same policy as their GET.
        ["POST /"] = Access.SignedIn,
        ["POST /queues"] = Access.Review,
        ["POST /queues/{Name}"] = Access.Review,
        ["POST /cases/{Id:guid}"] = Access.Review,
        ["POST /board"] = Access.Lead,
        ["POST /insights"] = Access.Lead,
        ["POST /policies"] = Access.Review,
        ["POST /cases/{Id:guid}/audit"] = Access.SignedIn,
        ["POST /audit"] = Access.LeadOrAdmin,
        ["POST /admin"] = Access.Admin,
        ["POST /admin/api-keys"] = Access.Admin,
        ["POST /admin/people"] = Access.Admin,
        ["POST /admin/notifications"] = Access.Admin,
        ["POST /account/notifications"] = Access.SignedIn,
        ["POST /account/login"] = Access.Public,
        ["POST /account/denied"] = Access.Public,
        ["POST /error"] = Access.Public,
        ["POST /not-found"] = Access.Public,
        // Account
        ["GET /account/dev-login"] = Access.Public, // leads to the sign-in page; never signs in
        ["POST /account/dev-login"] = Access.Public, // the sign-in form (antiforgery token checked)
        ["POST /account/logout"] = Access.SignedIn,
        // API for AI systems
        ["POST /api/v1/cases/"] = Access.ApiSubmit,
        ["GET /api/v1/cases/"] = Access.ApiRead,
        ["GET /api/v1/cases/by-external-id/{externalId}"] = Access.ApiRead,
        ["GET /api/v1/cases/{id:guid}"] = Access.ApiRead,
        ["GET /api/v1/cases/{id:guid}/decision"] = Access.ApiRead,
        ["POST /api/v1/cases/{id:guid}/replies"] = Access.ApiSubmit,
        ["POST /api/v1/cases/{id:guid}/withdraw"] = Access.ApiSubmit,
        ["POST /api/v1/cases/{id:guid}/outcome"] = Access.ApiSubmit,
        ["GET /api/v1/queues"] = Access.ApiRead,
        // Review API (people)
        ["POST /api/v1/review/next"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/claim"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/release"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/actions"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/undo"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/classification"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/assign"] = Access.Lead,
        ["GET /api/v1/review/cases/{id:guid}/notes/"] = Access.Review,
        ["POST /api/v1/review/cases/{id:guid}/notes/"] = Access.Review,
        // MCP
        ["POST /mcp/"] = Access.ApiAny, // stateless Streamable HTTP: POST only

        ["GET /api/v1/audit/verify"] = Access.Admin,
        ["GET /api/v1/audit/checkpoints"] = Access.LeadOrAdmin,
        ["GET /api/v1/audit/consistency"] = Access.LeadOrAdmin,
        ["GET /api/v1/audit/log"] = Access.Admin,
        ["GET /.well-known/workbench-audit-key"] = Access.Public,
        // Notifications: a link opens only for the person signed in; each person manages their own browsers
        ["GET /go/{token}"] = Access.SignedIn,
        ["GET /notifications/link"] = Access.SignedIn,
        ["POST /notifications/link"] = Access.SignedIn,
        ["POST /api/v1/me/push-subscriptions/"] = Access.SignedIn,
        ["POST /api/v1/me/push-subscriptions/remove"] = Access.SignedIn,
        ["GET /api/v1/admin/webhooks/endpoints"] = Access.Admin,
        ["POST /api/v1/admin/webhooks/endpoints"] = Access.Admin,
        ["POST /api/v1/admin/webhooks/endpoints/{id:guid}/rotate"] = Access.Admin,
        ["POST /api/v1/admin/webhooks/endpoints/{id:guid}/enabled"] = Access.Admin,
        ["POST /api/v1/admin/webhooks/endpoints/{id:guid}/test"] = Access.Admin,
        ["GET /api/v1/admin/webhooks/deliveries"] = Access.Admin,
        ["POST /api/v1/admin/webhooks/deliveries/{id:long}/replay"] = Access.Admin,
        ["PUT /api/v1/admin/webhooks/clients/{clientId}/callbacks"] = Access.Admin,
        ["DELETE /api/v1/admin/webhooks/endpoints/{id:guid}"] = Access.Admin,
        ["GET /api/v1/admin/api-keys"] = Access.Admin,
        ["POST /api/v1/admin/api-keys"] = Access.Admin,
        ["POST /api/v1/admin/api-keys/{id}/revoke"] = Access.Admin,
        ["GET /api/v1/admin/users"] = Access.Admin,
        ["PUT /api/v1/admin/users/{userName}/roles"] = Access.Admin,
        ["GET /api/v1/cases/{id:guid}/audit"] = Access.LeadOrAdmin,
        ["GET /api/v1/exports/evals"] = Access.LeadOrApiExport,
        ["GET /api/v1/review/double-reviews/"] = Access.Review,
        ["GET /api/v1/review/double-reviews/{id:guid}"] = Access.Review,
        ["POST /api/v1/review/double-reviews/{id:guid}/verdict"] = Access.Review,
        ["GET /double-reviews"] = Access.Review,
        ["POST /double-reviews"] = Access.Review,
        ["GET /double-reviews/{Id:guid}"] = Access.Review,
        ["POST /double-reviews/{Id:guid}"] = Access.Review,
        ["GET /api/v1/review/spot-checks/"] = Access.Review,
        ["GET /api/v1/review/spot-checks/{id:guid}"] = Access.Review,
        ["POST /api/v1/review/spot-checks/next"] = Access.Review,
        ["POST /api/v1/review/spot-checks/{id:guid}/claim"] = Access.Review,
        ["POST /api/v1/review/spot-checks/{id:guid}/release"] = Access.Review,
        ["POST /api/v1/review/spot-checks/{id:guid}/verdict"] = Access.Review,
        ["GET /spot-checks"] = Access.Review,
        ["POST /spot-checks"] = Access.Review,
        ["GET /spot-checks/{Id:guid}"] = Access.Review,
        ["POST /spot-checks/{Id:guid}"] = Access.Review,
        ["GET /insights/cases"] = Access.Lead,
        ["POST /insights/cases"] = Access.Lead,
        ["GET /api/v1/policies/"] = Access.Lead,
        ["GET /api/v1/policies/{id:int}"] = Access.Lead,
        ["POST /api/v1/policies/check"] = Access.Lead,
        ["POST /api/v1/policies/simulate"] = Access.Lead,
        ["POST /api/v1/policies/"] = Access.Lead,
        ["POST /api/v1/policies/{id:int}/rollback"] = Access.Lead,

        ["* /hubs/queues/negotiate"] = Access.SignedInOrApiRead,
        ["* /hubs/queues"] = Access.SignedInOrApiRead,
        ["GET /diagnostics/live"] = Access.DevelopmentOnly,
        // Health and the API description
        ["* /health/live"] = Access.Public,
        ["* /health/ready"] = Access.Public,
        ["GET /openapi/{documentName}.json"] = Access.Public,
        ["GET /api/docs/{documentName?}"] = Access.Public,
        ["GET /api/docs/scalar.js"] = Access.Public,
        ["GET /api/docs/scalar.aspnetcore.js"] = Access.Public,
        ["GET /api/docs/favicon.svg"] = Access.Public,
        // Blazor's circuit: the sign-in page is interactive, so anonymous browsers need it. It serves only
        // components whose pages the caller could load.
        ["* /_blazor/negotiate"] = Access.Public,
        ["* /_blazor"] = Access.Public,
        ["* /_blazor/disconnect/"] = Access.Public,
        ["* /_blazor/initializers/"] = Access.Public,
        // Static web assets' fallback for files not in the build manifest (Development).
        ["GET /{**path:file}"] = Access.Public,
        ["HEAD /{**path:file}"] = Access.Public,
    };

    /// <summary>Framework and static files: public by nature; listed by prefix, never by "anything else".</summary>
    private static readonly string[] StaticPrefixes = ["_content/", "_framework/", "js/", "app.", "favicon.", "shortcuts.", "Workbench.Web.", "sw."];

    private static bool Allows(Access access, Caller caller) => access switch
    {
        Access.Public => true,
        Access.SignedIn => caller is Caller.Rita or Caller.Lena or Caller.Adam,
        Access.Review => caller is Caller.Rita or Caller.Lena,
        Access.Lead => caller is Caller.Lena,
        Access.Admin => caller is Caller.Adam,
        Access.LeadOrAdmin => caller is Caller.Lena or Caller.Adam,
        Access.ApiSubmit => caller is Caller.SubmitClient,
        Access.ApiRead => caller is Caller.ReadClient,
        Access.ApiAny => caller is Caller.SubmitClient or Caller.ReadClient,
        Access.SignedInOrApiRead => caller is Caller.Rita or Caller.Lena or Caller.Adam or Caller.ReadClient,
        Access.LeadOrApiExport => caller is Caller.Lena or Caller.ExportClient,
        Access.DevelopmentOnly => true,
        _ => throw new ArgumentOutOfRangeException(nameof(access)),
    };

    private sealed record Route(string Method, string Pattern, string Key);

    private IReadOnlyList<Route> MappedRoutes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
            foreach (var method in methods is { Count: > 0 } ? methods : ["*"])
            {
                routes.Add(new Route(method, pattern, $"{method} {pattern}"));
            }
        }
        return routes;
    }

    private static bool IsStatic(Route r) => r.Method is "GET" or "HEAD" && StaticPrefixes.Any(p => r.Pattern.StartsWith("/" + p, StringComparison.Ordinal));

    [Fact]
    public void Every_mapped_route_is_in_the_matrix()
    {
        var unknown = MappedRoutes().Where(r => !IsStatic(r) && !Expected.ContainsKey(r.Key)).Select(r => r.Key).Distinct().ToList();
        Assert.True(unknown.Count == 0,
            "These endpoints are not in the authorization matrix. Add each to AuthorizationMatrixTests.Expected " +
            "(tests/Workbench.Web.Tests/Auth/AuthorizationMatrixTests.cs) with who may call it, and give the endpoint " +
            "the matching WorkbenchPolicies/ApiSchemes policy:\n  " + string.Join("\n  ", unknown));
        var stale = Expected.Keys.Except(MappedRoutes().Select(r => r.Key)).ToList();
        Assert.True(stale.Count == 0, "The matrix lists routes the app no longer maps; remove them:\n  " + string.Join("\n  ", stale));
    }

    [Fact]
    public async Task Every_route_allows_exactly_the_callers_the_matrix_says()
    {
        var clients = new Dictionary<Caller, HttpClient>
        {
            [Caller.Anonymous] = _app.CreateBrowserClient(),
            [Caller.Rita] = await _app.SignedInAs("rita"),
            [Caller.Lena] = await _app.SignedInAs("lena"),
            [Caller.Adam] = await _app.SignedInAs("adam"),
            [Caller.SubmitClient] = _app.KeyClient(SecurityTestKit.SubmitOnlyKey),
            [Caller.ReadClient] = _app.KeyClient(SecurityTestKit.ReadOnlyKey),
            [Caller.ExportClient] = _app.KeyClient(SecurityTestKit.ExportOnlyKey),
        };
        var failures = new List<string>();
        var checkedRoutes = 0;
        foreach (var route in MappedRoutes().Where(r => Expected.ContainsKey(r.Key)).DistinctBy(r => r.Key))
        {
            var access = Expected[route.Key];
            foreach (var (caller, client) in clients)
            {
                using var request = RequestFor(route);
                using var response = await client.SendAsync(request);
                var denied = IsDenied(response);
                if (denied == Allows(access, caller))
                {
                    failures.Add($"{route.Key} as {caller}: expected {(Allows(access, caller) ? "allowed" : "denied")} ({access}), got {(int)response.StatusCode} {response.Headers.Location}");
                }
            }
            checkedRoutes++;
        }
        // Static files: public, and never a sign-in redirect.
        foreach (var route in MappedRoutes().Where(IsStatic).Take(5))
        {
            using var response = await clients[Caller.Anonymous].SendAsync(RequestFor(route));
            if (IsDenied(response))
            {
                failures.Add($"{route.Key} (static) as Anonymous: denied with {(int)response.StatusCode}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedRoutes >= 50, $"Only {checkedRoutes} routes checked");
    }

    private static HttpRequestMessage RequestFor(Route route)
    {
        var path = route.Pattern
            .Replace("{Id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{Name}", "policy-legal", StringComparison.Ordinal)
            .Replace("{externalId}", "no-such-external-id", StringComparison.Ordinal)
            .Replace("{id:int}", "1", StringComparison.Ordinal)
            .Replace("{id:long}", "1", StringComparison.Ordinal)
            .Replace("{documentName}", "v1", StringComparison.Ordinal)
            .Replace("{documentName?}", "v1", StringComparison.Ordinal)
            .Replace("{**path:file}", "robots.txt", StringComparison.Ordinal);
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}]*\}", "x");
        var method = route.Method == "*" ? "GET" : route.Method;
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        if (path.StartsWith("/mcp", StringComparison.Ordinal))
        {
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
        }
        return request;
    }

    /// <summary>Denied: 401, 403, or the sign-in challenge (a redirect to sign in with a ReturnUrl) or the access-denied page.</summary>
    private static bool IsDenied(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ||
        (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString is { } to &&
         (to.Contains("/account/login?ReturnUrl=", StringComparison.Ordinal) || to.Contains("/account/denied", StringComparison.Ordinal)));
}
