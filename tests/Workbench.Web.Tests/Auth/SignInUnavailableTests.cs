using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workbench.Contracts;
using Workbench.Web.Auth;

namespace Workbench.Web.Tests.Auth;

/// <summary>
/// Entra ID cannot be reached: a person gets a page that says so (503, Retry-After), an API caller a problem detail,
/// the AI systems' API keeps taking cases, and sign-in works again once the identity provider answers.
/// </summary>
public sealed class SignInUnavailableTests
{
    private static WorkbenchFactory App(string instance) => new()
    {
        EnvironmentName = Environments.Production,
        Settings =
        {
            ["AzureAd:Instance"] = instance,
            ["AzureAd:TenantId"] = FakeAuthority.TenantId,
            ["AzureAd:ClientId"] = "9a8b7c6d-0000-4000-8000-0000000000cc",
            ["AzureAd:CallbackPath"] = "/signin-oidc",
        },
        TestServices = services => services.Configure<OpenIdConnectOptions>(AuthExtensions.OpenIdScheme, o => o.RequireHttpsMetadata = false),
    };

    [Fact]
    public async Task An_unreachable_identity_provider_gets_a_page_that_says_so_and_the_api_keeps_taking_cases()
    {
        var port = Processes.FreePort(); // nothing listens there any more
        await using var app = App($"http://127.0.0.1:{port}/");
        var browser = app.CreateBrowserClient();

        using var page = await browser.GetAsync("/queues?view=mine");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(SignInAvailability.RetryAfterSeconds), page.Headers.RetryAfter?.Delta);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Sign-in is unavailable right now", html);
        Assert.Contains("cannot reach the identity provider", html);
        Assert.Contains("href=\"/queues?view=mine\"", html);
        // Where the identity provider lives is for the log, not for whoever opens the page.
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), html);
        Assert.DoesNotContain("IDX", html);

        using var api = await browser.PostAsync("/api/v1/review/next", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync());
        Assert.Equal(ProblemTypes.Unavailable, problem.RootElement.GetProperty("type").GetString());

        // A link to "//host" would leave the site: the retry link goes home instead.
        using var odd = await browser.GetAsync("//evil.example/queues");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, odd.StatusCode);
        Assert.DoesNotContain("evil.example", await odd.Content.ReadAsStringAsync());

        // The AI systems authenticate with API keys, which do not need the identity provider.
        await app.AddSingleScopeClientsAsync();
        using var submitted = await app.KeyClient(SecurityTestKit.SubmitOnlyKey).PostAsync("/api/v1/cases",
            new StringContent(Samples.Json(Samples.Queues).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
    }

    [Fact]
    public async Task Sign_in_works_again_once_the_identity_provider_answers()
    {
        await using var authority = await FakeAuthority.StartAsync();
        authority.Failing = true;
        await using var app = App(authority.BaseUrl);
        var browser = app.CreateBrowserClient();

        using var down = await browser.GetAsync("/queues");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.True(authority.DiscoveryRequests >= 1);

        authority.Failing = false;
        // The handler downloads the document again on a later request; wait with a deadline, not a fixed sleep.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        HttpResponseMessage? up = null;
        while (DateTime.UtcNow < deadline)
        {
            up?.Dispose();
            up = await browser.GetAsync("/queues");
            if (up.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                break;
            }
            await Task.Delay(500);
        }
        Assert.Equal(HttpStatusCode.Redirect, up!.StatusCode);
        Assert.StartsWith(authority.AuthorizeEndpoint + "?", up.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        up.Dispose();
    }
}
