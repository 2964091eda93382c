using System.Net;
using System.Text;

namespace Workbench.Web.Tests.Hosting;

public sealed class SecurityHeaderTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static void AssertHeaders(HttpResponseMessage response, string what)
    {
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.DoesNotContain("unsafe-inline", directives["script-src"]);
        Assert.DoesNotContain("unsafe-eval", directives["script-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Contains("'self'", directives["connect-src"]);
        Assert.Contains("ws://localhost", directives["connect-src"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        Assert.True(response.Headers.GetValues("X-Content-Type-Options").Single() == "nosniff", what);
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Pages_api_answers_and_errors_all_carry_the_headers()
    {
        var rita = await app.SignedInAs("rita");
        var page = await rita.GetAsync("/queues");
        AssertHeaders(page, "page");
        // The one inline script (Blazor's import map) carries this response's nonce.
        var html = await page.Content.ReadAsStringAsync();
        var nonce = System.Text.RegularExpressions.Regex.Match(page.Headers.GetValues("Content-Security-Policy").Single(), "'nonce-([^']+)'").Groups[1].Value;
        var importMap = System.Text.RegularExpressions.Regex.Match(html, "<script[^>]*importmap[^>]*>").Value;
        Assert.Contains($"nonce=\"{nonce}\"", WebUtility.HtmlDecode(importMap));
        Assert.DoesNotContain("<script>", html); // no other inline script

        AssertHeaders(await app.ApiClient().GetAsync("/api/v1/queues"), "api");
        AssertHeaders(await app.CreateClient().GetAsync("/api/v1/queues"), "401");
        AssertHeaders(await app.ApiClient().PostAsync("/api/v1/cases", new StringContent("{", Encoding.UTF8, "application/json")), "400");
        var missing = await rita.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        AssertHeaders(missing, "404");
    }

    [Fact]
    public async Task Two_responses_never_share_a_nonce()
    {
        var client = app.CreateClient();
        var a = (await client.GetAsync("/account/login")).Headers.GetValues("Content-Security-Policy").Single();
        var b = (await client.GetAsync("/account/login")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.NotEqual(a, b);
    }
}
