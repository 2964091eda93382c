using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workbench.Web.Admin;

namespace Workbench.Web.Tests.Hosting;

/// <summary>
/// What a browser is told about the transport, seen as a browser sees it: HSTS outside Development, the antiforgery
/// cookie's Secure, nothing of the case data cached, and the forwarded headers of a TLS-terminating proxy believed
/// only from the proxies named in the configuration.
/// </summary>
public sealed class TransportSecurityTests
{
    [Fact]
    public async Task Over_https_answers_carry_a_year_of_hsts_with_subdomains_and_case_data_is_never_stored()
    {
        await using var app = new WorkbenchFactory { EnvironmentName = Environments.Production };
        var https = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://workbench.test"), AllowAutoRedirect = false });
        var live = await https.GetAsync("/health/live");
        Assert.Equal("max-age=31536000; includeSubDomains", live.Headers.GetValues("Strict-Transport-Security").Single());

        var key = await ApiKeyAsync(app);
        https.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var submitted = await https.PostAsync("/api/v1/cases", new StringContent(Samples.Json(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        Assert.True(submitted.Headers.CacheControl?.NoStore, "the receipt");
        var id = System.Text.Json.JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var read = await https.GetAsync($"/api/v1/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.True(read.Headers.CacheControl?.NoStore, "the case");
        var refused = await https.GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        Assert.True(refused.Headers.CacheControl?.NoStore, "a problem answer");

        // A page is not stored either (that the static files keep their own caching is seen on a published build:
        // PublishedProductionTests).
        var page = await https.GetAsync("/account/login");
        Assert.True(page.Headers.CacheControl?.NoStore, "a page");
    }

    [Fact]
    public async Task Hsts_age_and_subdomains_are_settings()
    {
        await using var app = new WorkbenchFactory
        {
            EnvironmentName = Environments.Production,
            Settings = { ["Hsts:MaxAge"] = "1.00:00:00", ["Hsts:IncludeSubDomains"] = "false" },
        };
        var https = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://workbench.test") });
        Assert.Equal("max-age=86400", (await https.GetAsync("/health/live")).Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task The_antiforgery_cookie_is_secure_over_https()
    {
        // Development: its sign-in page is the one an anonymous visitor gets a form (and so an antiforgery cookie) on.
        await using var app = new WorkbenchFactory();
        var overHttps = await app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") }).GetAsync("/account/login");
        var cookie = AntiforgeryCookie(overHttps);
        Assert.Contains("secure", cookie.ToLowerInvariant().Split(';', StringSplitOptions.TrimEntries));
        Assert.Contains("httponly", cookie.ToLowerInvariant().Split(';', StringSplitOptions.TrimEntries));

        var overHttp = await app.CreateClient().GetAsync("/account/login");
        Assert.DoesNotContain("secure", AntiforgeryCookie(overHttp).ToLowerInvariant().Split(';', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Forwarded_https_is_believed_only_from_a_configured_proxy()
    {
        // A real Kestrel on 127.0.0.1: the request comes from 127.0.0.1 and says it came over https.
        await using var trusted = await StartAsync("ForwardedHeaders:KnownProxies", "127.0.0.1");
        await using var untrusted = await StartAsync("ForwardedHeaders:KnownProxies", "10.20.30.40");
        await using var network = await StartAsync("ForwardedHeaders:KnownNetworks", "127.0.0.0/8");

        Assert.True(await SeenAsHttpsAsync(trusted.Base), "from the configured proxy");
        Assert.True(await SeenAsHttpsAsync(network.Base), "from the configured network");
        Assert.False(await SeenAsHttpsAsync(untrusted.Base), "from an address that is not the configured proxy");
    }

    private sealed record Started(WorkbenchFactory App, Uri Base) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private static Task<Started> StartAsync(string key, string value)
    {
        var app = new WorkbenchFactory { EnvironmentName = Environments.Production, Settings = { [key] = value } };
        app.UseKestrel(0);
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        return Task.FromResult(new Started(app, new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal))));
    }

    /// <summary>Whether the app took the request for https: only then does it send HSTS (never for a loopback host name, hence the Host).</summary>
    private static async Task<bool> SeenAsHttpsAsync(Uri server)
    {
        using var client = new HttpClient { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Host = "workbench.test";
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.Contains("Strict-Transport-Security");
    }

    private static async Task<string> ApiKeyAsync(WorkbenchFactory app)
    {
        var created = await app.Services.GetRequiredService<AccessAdmin>()
            .CreateApiKeyAsync(new CreateApiKeyRequest("transport-test", "Transport test", ["cases:submit", "cases:read"]), "test");
        return Assert.IsType<Workbench.Web.Http.AdminResult<ApiKeySecret>.Ok>(created).Value.ApiKey;
    }

    private static string AntiforgeryCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
}
