using System.Net;
using System.Text.RegularExpressions;

namespace Workbench.Testing;

/// <summary>
/// The development sign-in as a browser does it: GET the sign-in page (which sets the antiforgery cookie and renders
/// the token in each person's form), then POST that form. The one helper every test that signs in goes through.
/// </summary>
public static partial class DevSignIn
{
    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="__RequestVerificationToken""")]
    private static partial Regex TokenPattern();

    /// <summary>
    /// Posts the sign-in form for <paramref name="user"/> and returns the answer (a redirect to <paramref name="returnUrl"/>
    /// when it worked). With <paramref name="cookies"/> false the client keeps cookies itself; with true (a client that
    /// does not handle cookies) the antiforgery cookie is carried by hand.
    /// </summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string user, string returnUrl = "/queues", bool cookies = false,
        CancellationToken ct = default)
    {
        using var page = await client.GetAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}", ct);
        if (page.StatusCode == HttpStatusCode.NotFound)
        {
            return page;
        }
        var token = Token(await page.Content.ReadAsStringAsync(ct))
            ?? throw new InvalidOperationException($"The sign-in page ({(int)page.StatusCode}) has no antiforgery token: is it a Development app?");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/dev-login")
        {
            Content = new FormUrlEncodedContent([new("user", user), new("returnUrl", returnUrl), new("__RequestVerificationToken", token)]),
        };
        if (cookies && page.Headers.TryGetValues("Set-Cookie", out var set))
        {
            request.Headers.Add("Cookie", string.Join("; ", set.Select(c => c.Split(';', 2)[0])));
        }
        return await client.SendAsync(request, ct);
    }

    public static string? Token(string html)
    {
        var m = TokenPattern().Match(html);
        return !m.Success ? null : WebUtility.HtmlDecode(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
    }
}
