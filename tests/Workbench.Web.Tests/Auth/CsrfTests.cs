using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Workbench.Web.Tests.Auth;

/// <summary>What another site could make a signed-in reviewer's browser send.</summary>
public sealed class CsrfTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    [Theory]
    [InlineData("application/x-www-form-urlencoded", "action=approve")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\napprove\r\n--x--")]
    [InlineData("text/plain", "{\"action\":\"approve\"}")]
    [InlineData(null, "{\"action\":\"approve\"}")]
    public async Task The_review_api_refuses_what_a_cross_site_form_can_send(string? contentType, string body)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var rita = await app.SignedInAs("rita");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/review/cases/{id}/claim") { Content = content };
        request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        var response = await rita.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Null((await app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == id))).ClaimedBy);
    }

    [Fact]
    public async Task No_cors_preflight_is_ever_granted()
    {
        var rita = await app.SignedInAs("rita");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/review/next");
        preflight.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type");
        var response = await rita.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.IsSuccessStatusCode && response.Headers.Contains("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task Sign_out_needs_the_forms_antiforgery_token()
    {
        var rita = await app.SignedInAs("rita");
        var forged = await rita.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await rita.GetAsync("/queues")).StatusCode); // still signed in

        // The real form: the page renders the token, and posting it signs out.
        var html = await (await rita.GetAsync("/queues")).Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        if (!token.Success)
        {
            token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"");
        }
        Assert.True(token.Success, "the sign-out form carries an antiforgery token");
        var signOut = await rita.PostAsync("/account/logout",
            new FormUrlEncodedContent([new("__RequestVerificationToken", System.Net.WebUtility.HtmlDecode(token.Groups[1].Value))]));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/account/login", signOut.Headers.Location?.OriginalString);
        var after = await rita.GetAsync("/queues");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("http://localhost/account/login?ReturnUrl=", after.Headers.Location?.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_get_of_the_dev_sign_in_never_signs_in_it_leads_to_the_sign_in_page()
    {
        var client = app.CreateBrowserClient();
        var response = await client.GetAsync("/account/dev-login?user=rita&returnUrl=/queues");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login?returnUrl=%2Fqueues", response.Headers.Location?.OriginalString);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("workbench.auth", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/queues")).StatusCode); // still signed out
    }

    [Fact]
    public async Task A_dev_sign_in_posted_without_the_pages_antiforgery_token_signs_nobody_in()
    {
        // Another site's auto-submitted form (login CSRF): no token, or a token that does not match this browser's cookie.
        var attacker = app.CreateBrowserClient();
        var theirToken = DevSignIn.Token(await (await attacker.GetAsync("/account/login")).Content.ReadAsStringAsync());
        Assert.NotNull(theirToken);
        foreach (var fields in new[]
        {
            new Dictionary<string, string> { ["user"] = "rita", ["returnUrl"] = "/queues" },
            new Dictionary<string, string> { ["user"] = "rita", ["returnUrl"] = "/queues", ["__RequestVerificationToken"] = theirToken! },
        })
        {
            var victim = app.CreateBrowserClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/account/dev-login") { Content = new FormUrlEncodedContent(fields) };
            request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
            var response = await victim.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/login?error=", response.Headers.Location?.OriginalString);
            Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("workbench.auth", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.Redirect, (await victim.GetAsync("/queues")).StatusCode);
        }
        // The page's own form, token and cookie together, signs in.
        var ok = await DevSignIn.PostAsync(app.CreateBrowserClient(), "rita", "/queues");
        Assert.Equal("/queues", ok.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_dev_sign_in_never_redirects_off_site()
    {
        var client = app.CreateBrowserClient();
        foreach (var target in new[] { "//evil.example/", "https://evil.example/", "/\\evil.example" })
        {
            var response = await DevSignIn.PostAsync(client, "rita", target);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/", response.Headers.Location?.OriginalString);
        }
    }
}
