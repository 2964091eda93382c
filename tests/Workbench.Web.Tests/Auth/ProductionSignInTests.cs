using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workbench.Web.Auth;

namespace Workbench.Web.Tests.Auth;

/// <summary>
/// A stand-in Entra ID: a real Kestrel on 127.0.0.1 serving the OpenID Connect discovery document, so that the
/// app's OIDC middleware (Microsoft.Identity.Web) downloads it and builds its redirect exactly as in production.
/// </summary>
public sealed class FakeAuthority : IAsyncDisposable
{
    public const string TenantId = "0b6c8f1e-1111-4222-8333-444455556666";
    private readonly WebApplication _app;

    private FakeAuthority(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:port/ — the <c>AzureAd:Instance</c>.</summary>
    public string BaseUrl { get; }
    public string Issuer => $"{BaseUrl}{TenantId}/v2.0";
    public string AuthorizeEndpoint => $"{BaseUrl}{TenantId}/oauth2/v2.0/authorize";
    public int DiscoveryRequests;
    /// <summary>While set, the discovery document answers 500, as an identity provider in an outage does.</summary>
    public volatile bool Failing;

    public static async Task<FakeAuthority> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeAuthority? self = null;
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) =>
        {
            Interlocked.Increment(ref self!.DiscoveryRequests);
            if (self.Failing)
            {
                return Results.StatusCode(500);
            }
            var root = $"{self.BaseUrl}{tenant}";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = $"{root}/v2.0",
                ["authorization_endpoint"] = $"{root}/oauth2/v2.0/authorize",
                ["token_endpoint"] = $"{root}/oauth2/v2.0/token",
                ["end_session_endpoint"] = $"{root}/oauth2/v2.0/logout",
                ["jwks_uri"] = $"{root}/discovery/v2.0/keys",
                ["response_types_supported"] = new[] { "code", "id_token", "code id_token" },
                ["subject_types_supported"] = new[] { "pairwise" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
            });
        });
        app.MapGet("/{tenant}/discovery/v2.0/keys", () => Results.Json(new { keys = Array.Empty<object>() }));
        await app.StartAsync();
        var address = app.Urls.Single();
        self = new FakeAuthority(app, address.TrimEnd('/') + "/");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed class ProductionSignInTests : IAsyncLifetime
{
    private const string ClientId = "9a8b7c6d-0000-4000-8000-0000000000aa";
    private FakeAuthority _authority = null!;
    private WorkbenchFactory _app = null!;

    public async Task InitializeAsync()
    {
        _authority = await FakeAuthority.StartAsync();
        _app = new WorkbenchFactory
        {
            EnvironmentName = Environments.Production,
            Settings =
            {
                ["AzureAd:Instance"] = _authority.BaseUrl,
                ["AzureAd:TenantId"] = FakeAuthority.TenantId,
                ["AzureAd:ClientId"] = ClientId,
                ["AzureAd:CallbackPath"] = "/signin-oidc",
                ["Workbench:Auth:Roles:Reviewer:0"] = "Workbench.Reviewer",
                ["Workbench:Auth:Roles:Lead:0"] = "3f0c-leads-group",
            },
            // The only test-only change: the stand-in authority speaks http on loopback, not https.
            TestServices = services => services.Configure<OpenIdConnectOptions>(AuthExtensions.OpenIdScheme, o => o.RequireHttpsMetadata = false),
        };
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _authority.DisposeAsync();
    }

    [Fact]
    public async Task No_dev_sign_in_and_an_anonymous_page_redirects_to_the_authority()
    {
        var browser = _app.CreateBrowserClient();
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/account/dev-login?user=lena&returnUrl=/")).StatusCode);

        var response = await browser.GetAsync("/queues");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(_authority.AuthorizeEndpoint + "?", location.AbsoluteUri, StringComparison.Ordinal);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(ClientId, query["client_id"].ToString());
        Assert.Equal("http://localhost/signin-oidc", query["redirect_uri"].ToString());
        Assert.Contains("openid", query["scope"].ToString().Split(' '));
        Assert.True(_authority.DiscoveryRequests >= 1, "the app read the authority's discovery document");
        // The correlation and nonce cookies of the OIDC handshake are set.
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.OpenIdConnect.Nonce.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_review_api_answers_401_problem_not_a_redirect_to_the_authority()
    {
        var response = await _app.CreateBrowserClient().PostAsync("/api/v1/review/next",
            new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("urn:workbench:problem:unauthenticated",
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_sign_in_page_offers_microsoft_and_the_csp_lets_the_sign_out_reach_the_authority()
    {
        var response = await _app.CreateBrowserClient().GetAsync("/account/login?returnUrl=/queues");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Sign in with Microsoft", html);
        Assert.Contains("/account/signin?returnUrl=%2Fqueues", html);
        Assert.DoesNotContain("Sign in as rita", html);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("form-action 'self' " + _authority.BaseUrl.TrimEnd('/'), csp);

        var signin = await _app.CreateBrowserClient().GetAsync("/account/signin?returnUrl=//evil.example/");
        Assert.Equal(HttpStatusCode.Redirect, signin.StatusCode);
        Assert.StartsWith(_authority.AuthorizeEndpoint, signin.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public void Roles_come_only_from_the_mapping_and_the_highest_wins()
    {
        var mapping = new EntraRoleMapping
        {
            Roles = new() { ["Reviewer"] = ["Workbench.Reviewer"], ["Lead"] = ["leads-group"], ["Admin"] = ["Workbench.Admin"] },
            Queues = new() { ["finance"] = ["finance-group"] },
        };
        ClaimsPrincipal User(params (string Type, string Value)[] claims) =>
            new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "oidc", "preferred_username", ClaimTypes.Role));

        var reviewer = User(("roles", "Workbench.Reviewer"), ("groups", "finance-group"), ("name", "Rita R"));
        AuthExtensions.MapEntraRoles(reviewer, mapping);
        Assert.True(reviewer.IsInRole("Reviewer"));
        Assert.False(reviewer.IsInRole("Lead"));
        Assert.Equal(["finance"], reviewer.FindAll(WorkbenchClaims.Queue).Select(c => c.Value));
        Assert.Equal("Rita R", reviewer.FindFirst(WorkbenchClaims.DisplayName)?.Value);

        var lead = User(("roles", "Workbench.Reviewer"), ("groups", "leads-group"));
        AuthExtensions.MapEntraRoles(lead, mapping);
        Assert.True(lead.IsInRole("Lead"));
        Assert.False(lead.IsInRole("Reviewer"));

        // A raw role value that happens to read "Admin" grants nothing unless mapped.
        var sneaky = User((ClaimTypes.Role, "Admin"), ("roles", "Admin"));
        AuthExtensions.MapEntraRoles(sneaky, mapping);
        Assert.False(sneaky.IsInRole("Admin"));
        Assert.Empty(sneaky.FindAll(ClaimTypes.Role));
    }
}
