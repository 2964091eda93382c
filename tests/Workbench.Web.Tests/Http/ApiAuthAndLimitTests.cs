using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Workbench.Web.Http;

namespace Workbench.Web.Tests.Http;

public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new()
    {
        Settings = { ["Api:RateLimit:PermitsPerSecond"] = "1", ["Api:RateLimit:Burst"] = "3" },
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_Retry_After_and_others_are_unaffected()
    {
        var client = _app.ApiClient();
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await client.GetAsync("/api/v1/queues");
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }
        Assert.NotNull(limited);
        Assert.True(codes.Count(c => c == HttpStatusCode.OK) >= 3, "the burst is allowed");
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:workbench:problem:rate-limited", problem.GetProperty("type").GetString());

        // The limit is per client: the other demo client still gets through.
        Assert.Equal(HttpStatusCode.OK, (await _app.ApiClient(Samples.DemoKey2).GetAsync("/api/v1/queues")).StatusCode);
    }

    /// <summary>IETF RateLimit headers: the bucket (3 requests, refilled at 1 a second) and what is left, nearly nothing on the 429.</summary>
    [Fact]
    public async Task Every_limited_response_says_the_policy_and_what_is_left_of_it()
    {
        var client = _app.ApiClient(Samples.DemoKey2);
        var left = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync("/api/v1/queues");
            Assert.Equal("\"api-client\";q=3;w=3", Assert.Single(response.Headers.GetValues("RateLimit-Policy")));
            var state = Assert.Single(response.Headers.GetValues("RateLimit"));
            var match = System.Text.RegularExpressions.Regex.Match(state, "^\"api-client\";r=(\\d+);t=(\\d+)$");
            Assert.True(match.Success, state);
            left.Add(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // Refused with an empty bucket; a token may have come back (1 a second) before the headers were written.
                Assert.True(left[^1] <= 1, state);
                Assert.True(int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, state);
                break;
            }
        }
        // The first request took one of the three.
        Assert.True(left[0] <= 2, string.Join(",", left));
    }
}

/// <summary>
/// Entra ID app tokens through Microsoft.Identity.Web, signed here with a local key: the JWT options are pointed
/// at that key and issuer so that issuer, audience, expiry, signature and app role are all really checked.
/// </summary>
public sealed class EntraTokenTests : IAsyncLifetime
{
    private const string TenantId = "7f3a9c1e-0000-4000-8000-00000000abcd";
    private const string Audience = "api://workbench-test";
    private static readonly string Issuer = $"https://login.microsoftonline.com/{TenantId}/v2.0";
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("a-local-test-signing-key-of-at-least-256-bits!"));
    private static readonly SymmetricSecurityKey OtherKey = new(Encoding.UTF8.GetBytes("another-key-the-api-does-not-trust-at-all!!"));

    private readonly WorkbenchFactory _configured = new()
    {
        Settings =
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
            ["AzureAd:TenantId"] = TenantId,
            ["AzureAd:ClientId"] = "11111111-2222-3333-4444-555555555555",
            ["AzureAd:Audience"] = Audience,
        },
        TestServices = services => services.PostConfigure<JwtBearerOptions>(ApiSchemes.Entra, o =>
        {
            // No metadata download: the signing key and issuer are the test's own.
            o.Authority = null;
            o.MetadataAddress = null!;
            o.Configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            o.Configuration.SigningKeys.Add(Key);
            o.TokenValidationParameters.ValidIssuer = Issuer;
            o.TokenValidationParameters.IssuerValidator = null;
            o.TokenValidationParameters.ValidAudiences = [Audience];
            o.TokenValidationParameters.IssuerSigningKey = Key;
            o.TokenValidationParameters.IssuerSigningKeys = [Key];
            o.TokenValidationParameters.ClockSkew = TimeSpan.Zero;
        }),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _configured.DisposeAsync();

    private static string Token(string[] roles, string? issuer = null, string? audience = null, DateTime? expires = null, SecurityKey? key = null)
    {
        var claims = new Dictionary<string, object> { ["azp"] = "agent-app-id-42", ["tid"] = TenantId, ["oid"] = Guid.NewGuid().ToString() };
        if (roles.Length > 0)
        {
            claims["roles"] = roles;
        }
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(30);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            Claims = claims,
            NotBefore = exp < now ? exp.AddMinutes(-10) : now.AddMinutes(-1),
            IssuedAt = exp < now ? exp.AddMinutes(-10) : now.AddMinutes(-1),
            Expires = exp,
            SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.HmacSha256),
        });
    }

    private async Task<HttpResponseMessage> SubmitWith(string token)
    {
        var client = _configured.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.PostAsync("/api/v1/cases",
            new StringContent(Samples.Json(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"));
    }

    [Fact]
    public async Task A_valid_token_with_the_submit_role_submits_as_its_app()
    {
        var response = await SubmitWith(Token(["Cases.Submit", "Cases.Read"]));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = receipt.GetProperty("id").GetGuid();
        var owner = await _configured.WithDbAsync(db => Task.FromResult(db.Cases.Single(c => c.Id == id).ClientId));
        Assert.Equal("entra:agent-app-id-42", owner);
    }

    public static TheoryData<string, string> Rejected => new()
    {
        { "expired", Token(["Cases.Submit"], expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong issuer", Token(["Cases.Submit"], issuer: "https://login.microsoftonline.com/someone-else/v2.0") },
        { "wrong audience", Token(["Cases.Submit"], audience: "api://another-api") },
        { "wrong signature", Token(["Cases.Submit"], key: OtherKey) },
        { "not a token", "eyJhbGciOiJIUzI1NiJ9.garbage.garbage" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task Invalid_tokens_are_401(string why, string token)
    {
        var response = await SubmitWith(token);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_valid_token_without_the_submit_role_is_403()
    {
        var response = await SubmitWith(Token(["Cases.Read"]));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Api_keys_still_work_beside_Entra()
    {
        var response = await _configured.ApiClient().GetAsync("/api/v1/queues");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
