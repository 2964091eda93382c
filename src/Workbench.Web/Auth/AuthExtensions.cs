using System.Security.Claims;
using Claim = System.Security.Claims.Claim;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Workbench.Core.Cases;
using Workbench.Data;

namespace Workbench.Web.Auth;

/// <summary>One authorization policy per capability; pages, endpoints and (later) the hub use these names.</summary>
public static class WorkbenchPolicies
{
    public const string Review = "review";
    public const string Lead = "lead";
    public const string Admin = "admin";
    public const string LeadOrAdmin = "lead-or-admin";
}

public static class AuthExtensions
{
    public static IHostApplicationBuilder AddWorkbenchAuth(this IHostApplicationBuilder builder)
    {
        builder.Services
            .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/denied";
                o.Cookie.Name = "workbench.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(10);
                // An API caller gets a problem detail, not a redirect to the sign-in page.
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, 401, Api.ProblemTypes.Unauthenticated, "Sign in first.");
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, 403, Api.ProblemTypes.Forbidden, "Your role does not allow this.");
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(WorkbenchPolicies.Review, p => p.RequireRole(nameof(UserRole.Reviewer), nameof(UserRole.Lead)))
            .AddPolicy(WorkbenchPolicies.Lead, p => p.RequireRole(nameof(UserRole.Lead)))
            .AddPolicy(WorkbenchPolicies.Admin, p => p.RequireRole(nameof(UserRole.Admin)))
            .AddPolicy(WorkbenchPolicies.LeadOrAdmin, p => p.RequireRole(nameof(UserRole.Lead), nameof(UserRole.Admin)));
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<ReviewerDirectory>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var env = app.ServiceProvider.GetRequiredService<IWebHostEnvironment>();
        if (env.IsDevelopment())
        {
            // Exists only in Development: in any other environment the route is not mapped at all (404).
            app.MapGet("/account/dev-login", DevLoginAsync).AllowAnonymous().ExcludeFromDescription();
        }
        app.MapPost("/account/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/account/login");
        }).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> DevLoginAsync(
        HttpContext http, string? user, string? returnUrl, ReviewerDirectory directory, CancellationToken ct)
    {
        var target = IsLocalUrl(returnUrl) ? returnUrl! : "/";
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
        return Results.LocalRedirect(target);
    }

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status, string type, string detail)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments(Live.QueuesHub.Path))
        {
            ctx.Response.StatusCode = status;
            return Api.Problems.Of(status, type, status == 401 ? "Authentication required" : "Forbidden", detail).ExecuteAsync(ctx.HttpContext);
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Only app-relative paths: an open redirect after sign-in is a phishing tool.</summary>
    public static bool IsLocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}

/// <summary>Who the users are and which queues each may work (Leads and Admins: all).</summary>
public sealed class ReviewerDirectory(IDbContextFactory<WorkbenchDbContext> dbFactory)
{
    public async Task<Data.Entities.UserRecord?> FindAsync(string userName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().Include(u => u.Queues).FirstOrDefaultAsync(u => u.UserName == userName, ct);
    }

    public async Task<IReadOnlyList<Data.Entities.UserRecord>> AllAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Include(u => u.Queues).ToListAsync(ct);
        return users.OrderBy(u => u.Role).ThenBy(u => u.UserName, StringComparer.Ordinal).ToList(); // reviewers first

    }

    /// <summary>The acting reviewer with the queues he may work.</summary>
    public async Task<Review.ReviewerIdentity> IdentityAsync(ClaimsPrincipal user, CancellationToken ct) =>
        new(user.Identity?.Name ?? throw new InvalidOperationException("Not signed in."),
            user.IsInRole(nameof(UserRole.Lead)), await QueuesOfAsync(user, ct));

    public static Review.ReviewerIdentity IdentityOf(Data.Entities.UserRecord user) =>
        new(user.UserName, user.Role == UserRole.Lead,
            user.Role is UserRole.Lead or UserRole.Admin ? null : user.Queues.Select(q => q.Queue).ToHashSet(StringComparer.Ordinal));

    /// <summary>Null means every queue.</summary>
    public async Task<IReadOnlySet<string>?> QueuesOfAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.IsInRole(nameof(UserRole.Lead)) || user.IsInRole(nameof(UserRole.Admin)))
        {
            return null;
        }
        var name = user.Identity?.Name;
        if (name is null)
        {
            return new HashSet<string>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var queues = await db.QueueMemberships.AsNoTracking().Where(q => q.UserName == name).Select(q => q.Queue).ToListAsync(ct);
        return queues.ToHashSet(StringComparer.Ordinal);
    }
}
