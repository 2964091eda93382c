using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Web.Auth;
using Claim = System.Security.Claims.Claim;

namespace Workbench.Web.Tests.Auth;

/// <summary>
/// An Entra ID sign-in writes the person to users: the app's own OpenID Connect TokenValidated event (Microsoft.Identity.Web's
/// handler, then the role mapping, then the upsert) is called with a constructed principal, as the real middleware
/// would after validating an id token.
/// </summary>
public sealed class EntraUserSyncTests : IAsyncLifetime
{
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
                ["AzureAd:ClientId"] = "9a8b7c6d-0000-4000-8000-0000000000bb",
                ["AzureAd:CallbackPath"] = "/signin-oidc",
                ["Workbench:Auth:Roles:Reviewer:0"] = "Workbench.Reviewer",
                ["Workbench:Auth:Roles:Lead:0"] = "leads-group",
                ["Workbench:Auth:Queues:finance:0"] = "finance-group",
                ["Workbench:Auth:Queues:security:0"] = "security-group",
            },
            TestServices = services => services.Configure<OpenIdConnectOptions>(AuthExtensions.OpenIdScheme, o => o.RequireHttpsMetadata = false),
        };
        _ = _app.Server;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _authority.DisposeAsync();
    }

    private async Task<ClaimsPrincipal> SignInAsync(params (string Type, string Value)[] claims)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "AuthenticationTypes.Federation",
            "preferred_username", ClaimTypes.Role));
        await using var scope = _app.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var options = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(AuthExtensions.OpenIdScheme);
        var scheme = await scope.ServiceProvider.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(AuthExtensions.OpenIdScheme);
        var context = new TokenValidatedContext(http, scheme!, options, principal, new AuthenticationProperties());
        await options.Events.TokenValidated(context);
        return context.Principal!;
    }

    private static (string, string)[] Rita(params (string, string)[] extra) =>
    [
        ("preferred_username", "rita.entra@contoso.example"),
        ("name", "Rita Entra"),
        ("email", "rita.entra@contoso.example"),
        ("oid", "11111111-2222-3333-4444-555555555555"),
        ("roles", "Workbench.Reviewer"),
        .. extra,
    ];

    [Fact]
    public async Task A_first_sign_in_writes_the_person_with_object_id_email_role_and_directory_queues_and_audits_it()
    {
        var principal = await SignInAsync(Rita(("groups", "finance-group")));
        Assert.True(principal.IsInRole("Reviewer"));

        var user = await _app.WithDbAsync(db => db.Users.AsNoTracking().Include(u => u.Queues).SingleAsync(u => u.UserName == "rita.entra@contoso.example"));
        Assert.Equal("Rita Entra", user.DisplayName);
        Assert.Equal("rita.entra@contoso.example", user.Email);
        Assert.Equal("11111111-2222-3333-4444-555555555555", user.ObjectId);
        Assert.Equal(UserRole.Reviewer, user.Role);
        Assert.NotNull(user.LastSignInAt);
        var membership = Assert.Single(user.Queues);
        Assert.Equal("finance", membership.Queue);
        Assert.True(membership.FromDirectory);

        var e = Assert.Single(await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(x => x.Type == "user.provisioned").ToListAsync()));
        Assert.Equal("entra-id", e.Actor);
        Assert.Contains("rita.entra@contoso.example", e.DataJson);

        // The directory reads the row: assignment and the queue check see the person and her queue.
        var found = await _app.Services.GetRequiredService<ReviewerDirectory>().FindAsync("rita.entra@contoso.example", CancellationToken.None);
        Assert.Equal(["finance"], ReviewerDirectory.IdentityOf(found!).Queues!);
    }

    [Fact]
    public async Task A_later_sign_in_follows_the_directory_keeps_admin_set_queues_and_audits_only_changes()
    {
        await SignInAsync(Rita(("groups", "finance-group")));
        // An admin adds a queue by hand; it is not the directory's to take away.
        await _app.WithDbAsync(async db =>
        {
            db.QueueMemberships.Add(new Data.Entities.QueueMembershipRecord { UserName = "rita.entra@contoso.example", Queue = "support" });
            return await db.SaveChangesAsync();
        });

        await SignInAsync(Rita(("groups", "finance-group"))); // nothing changed: no event
        Assert.Empty(await _app.WithDbAsync(db => db.AuditEvents.Where(x => x.Type == "user.roles_changed").ToListAsync()));

        // Moved from the finance group to security and the leads group.
        await SignInAsync(Rita(("groups", "security-group"), ("groups", "leads-group")));
        var user = await _app.WithDbAsync(db => db.Users.AsNoTracking().Include(u => u.Queues).SingleAsync(u => u.UserName == "rita.entra@contoso.example"));
        Assert.Equal(UserRole.Lead, user.Role);
        Assert.Equal(["security", "support"], user.Queues.Select(q => q.Queue).Order(StringComparer.Ordinal));
        var e = Assert.Single(await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(x => x.Type == "user.roles_changed").ToListAsync()));
        Assert.Equal("entra-id", e.Actor);
        using var data = JsonDocument.Parse(e.DataJson);
        Assert.Equal("reviewer", data.RootElement.GetProperty("from").GetProperty("role").GetString());
        Assert.Equal("lead", data.RootElement.GetProperty("to").GetProperty("role").GetString());
        Assert.Single(await _app.WithDbAsync(db => db.Users.Where(u => u.UserName == "rita.entra@contoso.example").ToListAsync()));
        var report = await _app.WithDbAsync(db => AuditChain.VerifyAsync(db));
        Assert.True(report.Intact, report.Break?.Message);
    }

    [Fact]
    public async Task A_sign_in_without_a_mapped_role_is_not_written()
    {
        var principal = await SignInAsync(("preferred_username", "guest@contoso.example"), ("roles", "Something.Else"));
        Assert.False(principal.IsInRole("Reviewer"));
        Assert.False(await _app.WithDbAsync(db => db.Users.AnyAsync(u => u.UserName == "guest@contoso.example")));
    }
}
