using System.Net;
using Microsoft.Extensions.Hosting;

namespace Workbench.Web.Tests.Auth;

public sealed class AppShellTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Liveness_and_readiness_answer_healthy()
    {
        var client = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":\"healthy\"", body);
        Assert.Contains("\"database\":{\"status\":\"healthy\"", body);
    }

    [Fact]
    public async Task Anonymous_visit_to_queues_goes_to_sign_in()
    {
        var client = _app.CreateBrowserClient();
        var response = await client.GetAsync("/queues");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/account/login", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Sign_in_page_lists_the_seeded_people()
    {
        var html = await _app.CreateClient().GetStringAsync("/account/login");
        foreach (var user in new[] { "rita", "felix", "lena", "adam" })
        {
            Assert.Contains($"Sign in as {user}", html);
        }
    }

    [Fact]
    public async Task Dev_sign_in_as_rita_shows_her_queues_only()
    {
        var client = await _app.SignedInAs("rita");
        var response = await client.GetAsync("/queues");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-queue=\"support\"", html);
        Assert.Contains("data-queue=\"policy-legal\"", html);
        Assert.DoesNotContain("data-queue=\"finance\"", html);
    }

    [Fact]
    public async Task Lead_sees_every_queue()
    {
        var client = await _app.SignedInAs("lena");
        var html = await client.GetStringAsync("/queues");
        foreach (var queue in new[] { "support", "support-exceptions", "finance", "policy-legal", "security", "brand", "spot-check" })
        {
            Assert.Contains($"data-queue=\"{queue}\"", html);
        }
    }

    [Fact]
    public async Task Dev_sign_in_with_an_unknown_user_explains_and_signs_nobody_in()
    {
        var client = _app.CreateBrowserClient();
        var response = await DevSignIn.PostAsync(client, "mallory", "/queues");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/login?error=", location);
        Assert.Contains("mallory", Uri.UnescapeDataString(location));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/queues")).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example.com/")]
    [InlineData("//evil.example.com/")]
    [InlineData("/\\evil.example.com")]
    public async Task Dev_sign_in_never_redirects_off_site(string returnUrl)
    {
        var client = _app.CreateBrowserClient();
        var response = await DevSignIn.PostAsync(client, "rita", returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Reviewer_cannot_open_lead_pages()
    {
        var client = await _app.SignedInAs("rita");
        // The page endpoint itself refuses: cookie auth sends a signed-in user without the role to "access denied".
        var response = await client.GetAsync("/board");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/denied", response.Headers.Location!.ToString());
    }
}

public sealed class ProductionShellTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new() { EnvironmentName = Environments.Production };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Dev_sign_in_does_not_exist_outside_development()
    {
        var client = _app.CreateBrowserClient();
        var response = await client.GetAsync("/account/dev-login?user=rita&returnUrl=/");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie");
    }

    [Fact]
    public async Task Sign_in_page_outside_development_lists_nobody()
    {
        var html = await _app.CreateClient().GetStringAsync("/account/login");
        Assert.DoesNotContain("Sign in as rita", html);
        Assert.Contains("No sign-in is configured", html);
    }
}
