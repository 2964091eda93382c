using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Workbench.Web.Tests.Infrastructure;

namespace Workbench.Web.Tests.Security;

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
    public async Task The_dev_sign_in_never_redirects_off_site()
    {
        var client = app.CreateBrowserClient();
        foreach (var target in new[] { "//evil.example/", "https://evil.example/", "/\\evil.example" })
        {
            var response = await client.GetAsync($"/account/dev-login?user=rita&returnUrl={Uri.EscapeDataString(target)}");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/", response.Headers.Location?.OriginalString);
        }
    }
}
