using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Identity.Web;
using Workbench.Web.Live;
using Claim = System.Security.Claims.Claim;

namespace Workbench.Web.Auth;

/// <summary>
/// One authorization policy per capability; pages, endpoints, the MCP server and (later) the hub use these names.
/// The API's own capabilities are <see cref="ApiSchemes.SubmitPolicy"/> (submit cases) and
/// <see cref="ApiSchemes.ReadPolicy"/> (read one's own cases), for API clients rather than people.
/// </summary>
public static class WorkbenchPolicies
{
    /// <summary>Work a queue: reviewers (in their queues) and leads (all).</summary>
    public const string Review = "review";
    public const string Lead = "lead";
    public const string Admin = "admin";
    /// <summary>Read the audit trail: leads and admins.</summary>
    public const string LeadOrAdmin = "lead-or-admin";
    /// <summary>Anyone signed in to the browser app (the home page, sign-out).</summary>
    public const string SignedIn = "signed-in";
}

/// <summary>
/// How Entra ID sign-ins become Workbench roles and queues (<c>Workbench:Auth</c>): each role and each queue lists
/// the app-role values and/or group object ids that grant it. The highest role wins (Admin over Lead over Reviewer).
/// </summary>
public sealed class EntraRoleMapping
{
    public Dictionary<string, string[]> Roles { get; init; } = [];
    public Dictionary<string, string[]> Queues { get; init; } = [];
}

public static class WorkbenchClaims
{
    /// <summary>A queue an Entra ID user may work, from a mapped group or app role (added to the database memberships).</summary>
    public const string Queue = "wb:queue";
    public const string DisplayName = "display_name";
}

public static class AuthExtensions
{
    public const string OpenIdScheme = OpenIdConnectDefaults.AuthenticationScheme;

    public static bool EntraSignInConfigured(IConfiguration configuration) => configuration.GetSection("AzureAd").Exists();

    public static IHostApplicationBuilder AddWorkbenchAuth(this IHostApplicationBuilder builder)
    {
        var cookie = CookieAuthenticationDefaults.AuthenticationScheme;
        var auth = builder.Services.AddAuthentication(cookie);
        if (EntraSignInConfigured(builder.Configuration))
        {
            // People sign in with Entra ID (OIDC, code flow); the session is our cookie. Roles and queues come from
            // app roles or group claims mapped in Workbench:Auth.
            auth.AddMicrosoftIdentityWebApp(builder.Configuration.GetSection("AzureAd"), OpenIdScheme, cookie);
            builder.Services.Configure<EntraRoleMapping>(builder.Configuration.GetSection("Workbench:Auth"));
            builder.Services.Configure<AuthenticationOptions>(o => o.DefaultChallengeScheme = OpenIdScheme);
            builder.Services.Configure<OpenIdConnectOptions>(OpenIdScheme, o =>
            {
                o.TokenValidationParameters.NameClaimType = "preferred_username";
                o.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
                var validated = o.Events.OnTokenValidated;
                o.Events.OnTokenValidated = async ctx =>
                {
                    await validated(ctx);
                    MapEntraRoles(ctx.Principal!, ctx.HttpContext.RequestServices.GetRequiredService<IOptions<EntraRoleMapping>>().Value);
                    // The person is written to users (object id, name, email, role, directory queues) at every sign-in.
                    await ctx.HttpContext.RequestServices.GetRequiredService<EntraUserSync>().UpsertAsync(ctx.Principal!, ctx.HttpContext.RequestAborted);
                };
                var redirect = o.Events.OnRedirectToIdentityProvider;
                o.Events.OnRedirectToIdentityProvider = async ctx =>
                {
                    if (ctx.Request.Path.StartsWithSegments("/api"))
                    {
                        // An API caller gets a problem detail, not a redirect to the identity provider.
                        ctx.HandleResponse();
                        ctx.Response.StatusCode = 401;
                        await Problems.Of(401, ProblemTypes.Unauthenticated, "Authentication required", "Sign in first.").ExecuteAsync(ctx.HttpContext);
                        return;
                    }
                    await redirect(ctx);
                };
            });
            builder.Services.Configure<CookieAuthenticationOptions>(cookie, ConfigureCookie);
        }
        else
        {
            auth.AddCookie(ConfigureCookie);
        }
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(WorkbenchPolicies.Review, p => p.RequireRole(nameof(UserRole.Reviewer), nameof(UserRole.Lead)))
            .AddPolicy(WorkbenchPolicies.Lead, p => p.RequireRole(nameof(UserRole.Lead)))
            .AddPolicy(WorkbenchPolicies.Admin, p => p.RequireRole(nameof(UserRole.Admin)))
            .AddPolicy(WorkbenchPolicies.LeadOrAdmin, p => p.RequireRole(nameof(UserRole.Lead), nameof(UserRole.Admin)))
            .AddPolicy(WorkbenchPolicies.SignedIn, p => p.RequireRole(nameof(UserRole.Reviewer), nameof(UserRole.Lead), nameof(UserRole.Admin)));
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<ReviewerDirectory>();
        builder.Services.AddSingleton<EntraUserSync>();
        return builder;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions o)
    {
        o.LoginPath = "/account/login";
        o.LogoutPath = "/account/logout";
        o.AccessDeniedPath = "/account/denied";
        o.Cookie.Name = "workbench.auth";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.SlidingExpiration = true;
        o.ExpireTimeSpan = TimeSpan.FromHours(10);
        // An API caller gets a problem detail, not a redirect to the sign-in page.
        o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, 401, ProblemTypes.Unauthenticated, "Sign in first.");
        o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, 403, ProblemTypes.Forbidden, "Your role does not allow this.");
    }

    /// <summary>Adds the Workbench role (the highest mapped) and queue claims for an Entra ID sign-in.</summary>
    public static void MapEntraRoles(ClaimsPrincipal principal, EntraRoleMapping mapping)
    {
        if (principal.Identity is not ClaimsIdentity identity)
        {
            return;
        }
        var granted = identity.FindAll("roles").Concat(identity.FindAll("groups")).Concat(identity.FindAll(ClaimTypes.Role))
            .Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        UserRole? role = null;
        foreach (var candidate in new[] { UserRole.Admin, UserRole.Lead, UserRole.Reviewer })
        {
            if (mapping.Roles.TryGetValue(candidate.ToString(), out var values) && values.Any(granted.Contains))
            {
                role = candidate;
                break;
            }
        }
        foreach (var existing in identity.FindAll(ClaimTypes.Role).ToList())
        {
            identity.RemoveClaim(existing); // only mapped roles count, never a raw value that happens to be "Admin"
        }
        if (role is { } r)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, r.ToString()));
        }
        foreach (var (queue, values) in mapping.Queues)
        {
            if (values.Any(granted.Contains))
            {
                identity.AddClaim(new Claim(WorkbenchClaims.Queue, queue));
            }
        }
        if (identity.FindFirst(WorkbenchClaims.DisplayName) is null)
        {
            identity.AddClaim(new Claim(WorkbenchClaims.DisplayName, identity.FindFirst("name")?.Value ?? identity.Name ?? "Signed in"));
        }
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var env = app.ServiceProvider.GetRequiredService<IWebHostEnvironment>();
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        if (env.IsDevelopment())
        {
            // Exists only in Development: in any other environment the route is not mapped at all (404). The sign-in is a
            // POST of the sign-in page's form with its antiforgery token, so another site cannot sign a browser in as
            // someone of its choosing (login CSRF); a GET (an old link) only leads to that page and never signs in.
            app.MapPost("/account/dev-login", DevLoginAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
            app.MapGet("/account/dev-login", (string? returnUrl) =>
                    Results.LocalRedirect($"/account/login?returnUrl={Uri.EscapeDataString(IsLocalUrl(returnUrl) ? returnUrl! : "/")}"))
                .AllowAnonymous().ExcludeFromDescription();
        }
        if (EntraSignInConfigured(configuration))
        {
            app.MapGet("/account/signin", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = IsLocalUrl(returnUrl) ? returnUrl : "/" }, [OpenIdScheme]))
                .AllowAnonymous().ExcludeFromDescription();
        }
        app.MapPost("/account/logout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            // The sign-out form carries the antiforgery token: another site cannot sign a reviewer out.
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest("The sign-out form expired. Reload the page and try again.");
            }
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (EntraSignInConfigured(http.RequestServices.GetRequiredService<IConfiguration>()))
            {
                // Ends the Entra ID session too, then comes back to the sign-in page.
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [OpenIdScheme]);
            }
            return Results.LocalRedirect("/account/login");
        }).RequireAuthorization(WorkbenchPolicies.SignedIn).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> DevLoginAsync(HttpContext http, IAntiforgery antiforgery, ReviewerDirectory directory, TimeProvider time, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return Results.LocalRedirect("/account/login?error=" + Uri.EscapeDataString("Sign in with the form on this page."));
        }
        var form = await http.Request.ReadFormAsync(ct);
        string? user = form["user"], returnUrl = form["returnUrl"];
        var target = IsLocalUrl(returnUrl) ? returnUrl! : "/";
        // Checked here rather than by the middleware so that an expired form gets the sign-in page with a message, not a bare 400.
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            var expired = Uri.EscapeDataString("The sign-in form expired or did not come from this site. Pick a person again.");
            return Results.LocalRedirect($"/account/login?error={expired}&returnUrl={Uri.EscapeDataString(target)}");
        }
        var record = string.IsNullOrWhiteSpace(user) ? null : await directory.FindAsync(user.Trim(), ct);
        if (record is null)
        {
            var error = Uri.EscapeDataString($"There is no seeded user named '{user}'. Pick one from the list.");
            return Results.LocalRedirect($"/account/login?error={error}&returnUrl={Uri.EscapeDataString(target)}");
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, record.UserName),
                new Claim(ClaimTypes.Name, record.UserName),
                new Claim("display_name", record.DisplayName),
                new Claim(ClaimTypes.Role, record.Role.ToString()),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme,
            ClaimTypes.Name,
            ClaimTypes.Role);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        await directory.RecordSignInAsync(record.UserName, time.GetUtcNow(), ct);
        return Results.LocalRedirect(target);
    }

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status, string type, string detail)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments(QueuesHub.Path))
        {
            ctx.Response.StatusCode = status;
            return Problems.Of(status, type, status == 401 ? "Authentication required" : "Forbidden", detail).ExecuteAsync(ctx.HttpContext);
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Only app-relative paths: an open redirect after sign-in is a phishing tool.</summary>
    public static bool IsLocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
