using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Identity.Web;
using Workbench.Web.Live;

namespace Workbench.Web.Http;

/// <summary>Claims every API principal carries, whichever way it authenticated.</summary>
public static class ApiClaims
{
    public const string ClientId = "wb:client";
    public const string Scope = "wb:scope";
    public const string SubmitScope = "cases:submit";
    public const string ReadScope = "cases:read";
    /// <summary>The eval export (<c>GET /api/v1/exports/evals</c>) for a lead's tooling; an admin creates such keys.</summary>
    public const string ExportScope = "exports:read";
    /// <summary>Every scope a key may carry.</summary>
    public static readonly IReadOnlyList<string> All = [SubmitScope, ReadScope, ExportScope];
    /// <summary>Entra ID app roles and the scopes they grant.</summary>
    public static readonly IReadOnlyDictionary<string, string> AppRoles = new Dictionary<string, string>
    {
        ["Cases.Submit"] = SubmitScope,
        ["Cases.Read"] = ReadScope,
        ["Exports.Read"] = ExportScope,
    };

    public static string? ClientOf(ClaimsPrincipal user) => user.FindFirst(ClientId)?.Value;
}

public static class ApiSchemes
{
    /// <summary>Picks the real scheme from the request: an API key, or an Entra ID token.</summary>
    public const string Api = "api";
    public const string ApiKey = "api-key";
    public const string Entra = "entra";
    public const string SubmitPolicy = "api:" + ApiClaims.SubmitScope;
    public const string ReadPolicy = "api:" + ApiClaims.ReadScope;
    /// <summary>Any API client with at least one scope (the MCP endpoint; each tool then checks its own scope).</summary>
    public const string AnyScopePolicy = "api:any";
    /// <summary>A Lead signed in with the cookie, or API credentials with exports:read: the request's credentials pick the scheme.</summary>
    public const string LeadOrExport = "lead-or-export";
    public const string ExportPolicy = "exports";
}

public static class ApiAuthExtensions
{
    public static IHostApplicationBuilder AddWorkbenchApiAuth(this IHostApplicationBuilder builder)
    {
        var auth = builder.Services.AddAuthentication()
            .AddPolicyScheme(ApiSchemes.Api, "API key or Entra ID token", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiSchemes.ApiKey, null)
            // A request with API credentials is judged by them alone (401/403 problem details); one without, by the
            // sign-in cookie (the sign-in page or access denied, as for every page).
            .AddPolicyScheme(ApiSchemes.LeadOrExport, "Lead cookie or API credentials with exports:read", o => o.ForwardDefaultSelector =
                http => HasApiCredentials(http) ? ApiSchemes.Api : Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);

        var entra = builder.Configuration.GetSection("AzureAd");
        if (entra.Exists())
        {
            auth.AddMicrosoftIdentityWebApi(entra, jwtBearerScheme: ApiSchemes.Entra);
            builder.Services.AddTransient<IClaimsTransformation, EntraClaimsTransformation>();
            builder.Services.PostConfigure<JwtBearerOptions>(ApiSchemes.Entra, o =>
            {
                o.Events ??= new JwtBearerEvents();
                var received = o.Events.OnMessageReceived;
                o.Events.OnMessageReceived = async ctx =>
                {
                    await received(ctx);
                    ctx.Token ??= HubAccessToken(ctx.Request);
                };
                o.Events.OnChallenge = async ctx =>
                {
                    ctx.HandleResponse();
                    await ApiKeyHandler.WriteUnauthenticatedAsync(ctx.HttpContext, ctx.ErrorDescription ?? "The token is missing, expired or not valid for this API.");
                };
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiSchemes.SubmitPolicy, p => p.AddAuthenticationSchemes(ApiSchemes.Api).RequireClaim(ApiClaims.Scope, ApiClaims.SubmitScope))
            .AddPolicy(ApiSchemes.ReadPolicy, p => p.AddAuthenticationSchemes(ApiSchemes.Api).RequireClaim(ApiClaims.Scope, ApiClaims.ReadScope))
            .AddPolicy(ApiSchemes.AnyScopePolicy, p => p.AddAuthenticationSchemes(ApiSchemes.Api)
                .RequireClaim(ApiClaims.Scope, ApiClaims.SubmitScope, ApiClaims.ReadScope))
            .AddPolicy(ApiSchemes.ExportPolicy, p => p.AddAuthenticationSchemes(ApiSchemes.LeadOrExport)
                .RequireAssertion(ctx => ctx.User.IsInRole(nameof(UserRole.Lead)) || ctx.User.HasClaim(ApiClaims.Scope, ApiClaims.ExportScope)));
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddHostedService<ApiKeyUsageFlusher>();
        return builder;
    }

    /// <summary>
    /// The hub's <c>access_token</c> query parameter: a browser cannot set headers on a WebSocket, so SignalR sends the
    /// token there. Read on the hub's path only; everywhere else a credential in a URL (and so in logs) is ignored.
    /// </summary>
    public static string? HubAccessToken(HttpRequest request) =>
        request.Path.StartsWithSegments(QueuesHub.Path) && request.Query["access_token"].ToString() is { Length: > 0 } token ? token : null;

    /// <summary>Whether the request carries API credentials (header, or the hub's access_token).</summary>
    public static bool HasApiCredentials(HttpContext http) =>
        http.Request.Headers.Authorization.Count > 0 || http.Request.Headers.ContainsKey("X-Api-Key") || HubAccessToken(http.Request) is not null;

    private static string SelectScheme(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (header.Length == 0 && HubAccessToken(http.Request) is { } token)
        {
            header = "Bearer " + token;
        }
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && !header.AsSpan(7).TrimStart().StartsWith("wb_") &&
            http.RequestServices.GetService<IOptionsMonitor<JwtBearerOptions>>() is not null &&
            http.RequestServices.GetRequiredService<IConfiguration>().GetSection("AzureAd").Exists())
        {
            return ApiSchemes.Entra;
        }
        return ApiSchemes.ApiKey;
    }
}

/// <summary>Entra ID app roles become the same scope claims an API key carries; the app id is the client id.</summary>
internal sealed class EntraClaimsTransformation : IClaimsTransformation
{
    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true, AuthenticationType: not null } identity ||
            identity.HasClaim(c => c.Type == ApiClaims.ClientId))
        {
            return Task.FromResult(principal);
        }
        var appId = identity.FindFirst("azp")?.Value ?? identity.FindFirst("appid")?.Value;
        if (appId is null)
        {
            return Task.FromResult(principal);
        }
        var roles = identity.FindAll("roles").Concat(identity.FindAll(ClaimTypes.Role)).Select(c => c.Value);
        var extra = new ClaimsIdentity();
        extra.AddClaim(new System.Security.Claims.Claim(ApiClaims.ClientId, "entra:" + appId));
        foreach (var role in roles.Distinct())
        {
            if (ApiClaims.AppRoles.TryGetValue(role, out var scope))
            {
                extra.AddClaim(new System.Security.Claims.Claim(ApiClaims.Scope, scope));
            }
        }
        principal.AddIdentity(extra);
        return Task.FromResult(principal);
    }
}

/// <summary>API keys by hash, cached briefly so intake does not read the clients table on every request.</summary>
public sealed class ApiKeyStore(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ILogger<ApiKeyStore> logger)
{
    /// <summary>A revoked key stops working within this time on every instance.</summary>
    /// <summary>What api_clients.KeyHash holds for a key: its SHA-256, hex.</summary>
    public static string HashKey(string apiKey) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(apiKey)));

    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often <see cref="ApiKeyUsageFlusher"/> writes the keys' last use: at most one update per key per this
    /// period per instance, off the request path, so the stored figure may be up to about this much late.
    /// </summary>
    public static readonly TimeSpan FlushEvery = TimeSpan.FromMinutes(1);

    public sealed record ApiKeyClient(string Id, string[] Scopes);

    private readonly ConcurrentDictionary<string, (ApiKeyClient? Client, DateTimeOffset At)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);
    // What this instance last wrote per client: a key not used since is not written again.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _flushed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>
    /// When this instance last let the client's key in, since it started (null: not since). The request path only
    /// sets this in memory; <see cref="FlushAsync"/> carries it to <c>api_clients.LastUsedAt</c>.
    /// </summary>
    public DateTimeOffset? LastUsed(string clientId) => _lastUsed.TryGetValue(clientId, out var at) ? at : null;

    /// <summary>
    /// Writes each key's last use seen here since the previous flush: one guarded update per such key
    /// (<c>… WHERE Id = @id AND (LastUsedAt IS NULL OR LastUsedAt &lt; @at)</c>), so an instance that saw an older use
    /// never moves the column backwards. Returns the rows changed.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            var pending = _lastUsed.Where(u => !_flushed.TryGetValue(u.Key, out var done) || u.Value > done).ToList();
            if (pending.Count == 0)
            {
                return 0;
            }
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var changed = 0;
            foreach (var (id, at) in pending)
            {
                changed += await db.ApiClients.Where(c => c.Id == id && (c.LastUsedAt == null || c.LastUsedAt < at))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastUsedAt, at), ct);
                _flushed[id] = at;
            }
            logger.LogDebug("Recorded the last use of {Count} API keys ({Changed} rows moved forward)", pending.Count, changed);
            return changed;
        }
        finally
        {
            _flushing.Release();
        }
    }

    public async ValueTask<ApiKeyClient?> FindAsync(string apiKey, CancellationToken ct)
    {
        var hash = HashKey(apiKey);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var hit) && now - hit.At < CacheFor)
        {
            return Used(hit.Client, now);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var record = await db.ApiClients.AsNoTracking().FirstOrDefaultAsync(c => c.KeyHash == hash && c.RevokedAt == null, ct);
        var client = record is null ? null : new ApiKeyClient(record.Id, record.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (_cache.Count > 10_000)
        {
            _cache.Clear(); // unknown keys must not grow the cache without bound
        }
        _cache[hash] = (client, now);
        return Used(client, now);
    }

    private ApiKeyClient? Used(ApiKeyClient? client, DateTimeOffset now)
    {
        if (client is not null)
        {
            _lastUsed[client.Id] = now;
        }
        return client;
    }

    public void Forget() => _cache.Clear();
}

/// <summary>
/// Carries the keys' last use from memory to the database every <see cref="ApiKeyStore.FlushEvery"/>, and once more
/// when the app stops, so a restart loses nothing the admin page showed.
/// </summary>
public sealed class ApiKeyUsageFlusher(ApiKeyStore store, TimeProvider time, ILogger<ApiKeyUsageFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ApiKeyStore.FlushEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(5));
        await FlushAsync(bounded.Token);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await store.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Recording the last use of API keys failed; trying again in {Interval}", ApiKeyStore.FlushEvery);
        }
    }
}

/// <summary><c>Authorization: Bearer wb_…</c> or <c>X-Api-Key: wb_…</c>.</summary>
internal sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = Request.Headers["X-Api-Key"].ToString();
        if (string.IsNullOrEmpty(key))
        {
            var header = Request.Headers.Authorization.ToString();
            key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        }
        if (string.IsNullOrEmpty(key))
        {
            key = ApiAuthExtensions.HubAccessToken(Request);
        }
        if (string.IsNullOrEmpty(key))
        {
            return AuthenticateResult.NoResult();
        }
        if (!key.StartsWith("wb_", StringComparison.Ordinal) || key.Length > 256)
        {
            return AuthenticateResult.Fail("Not a Workbench API key.");
        }
        var client = await store.FindAsync(key, Context.RequestAborted);
        if (client is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }
        var claims = new List<System.Security.Claims.Claim> { new(ApiClaims.ClientId, client.Id), new(ClaimTypes.Name, client.Id) };
        claims.AddRange(client.Scopes.Select(s => new System.Security.Claims.Claim(ApiClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteUnauthenticatedAsync(Context, "Send an API key as 'Authorization: Bearer wb_…' or 'X-Api-Key', or an Entra ID app token.");

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Problems.Of(403, ProblemTypes.Forbidden, "Forbidden", "This client's credentials do not grant the scope this operation needs.")
            .ExecuteAsync(Context);
    }

    public static async Task WriteUnauthenticatedAsync(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Of(401, ProblemTypes.Unauthenticated, "Authentication required", detail).ExecuteAsync(http);
    }
}
