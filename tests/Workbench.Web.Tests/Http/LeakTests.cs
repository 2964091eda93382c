using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Workbench.Web.Tests.Http;

/// <summary>Everything the app writes to logs, at every level.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Lines.Enqueue($"scope {category}: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}

public sealed class LogLeakTests : IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private readonly WorkbenchFactory _app;

    public LogLeakTests()
    {
        _app = new WorkbenchFactory
        {
            Settings = { ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft"] = "Trace" },
            TestServices = services => services.AddSingleton<ILoggerProvider>(_logs),
        };
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Api_keys_and_bearer_tokens_never_reach_the_logs()
    {
        const string wrongKey = "wb_wrong_key_that_must_not_be_logged_Zq81";
        const string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrLXRlc3QifQ.c2lnbmF0dXJlLW11c3Qtbm90LWxlYWs";
        await _app.SubmitSampleAsync(Samples.Queues);                                       // a good key, Bearer
        var viaHeader = _app.CreateClient();
        viaHeader.DefaultRequestHeaders.Add("X-Api-Key", Samples.DemoKey2);                  // a good key, X-Api-Key
        Assert.Equal(HttpStatusCode.OK, (await viaHeader.GetAsync("/api/v1/queues")).StatusCode);
        var wrong = _app.ApiClient(wrongKey);                                                // an unknown key
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/queues")).StatusCode);
        var token = _app.CreateClient();                                                     // a token the app does not take
        token.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/queues")).StatusCode);
        var mcp = new HttpRequestMessage(HttpMethod.Post, "/mcp")                           // the MCP endpoint
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        mcp.Headers.Accept.ParseAdd("application/json");
        mcp.Headers.Accept.ParseAdd("text/event-stream");
        mcp.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Samples.DemoKey);
        await _app.CreateClient().SendAsync(mcp);

        Assert.True(_logs.Lines.Count > 20, $"only {_logs.Lines.Count} log lines were captured: the capture is not working");
        foreach (var secret in new[] { Samples.DemoKey, Samples.DemoKey2, wrongKey, jwt, "c2lnbmF0dXJlLW11c3Qtbm90LWxlYWs" })
        {
            var leak = _logs.Lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"A log line contains a credential: {leak}");
        }
    }
}

/// <summary>A failure deep inside (the database lost its main table) shows neither stack trace nor SQL.</summary>
public sealed class ErrorLeakTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new() { EnvironmentName = Environments.Production };
    private const string ApiKey = "wb_error_leak_client_5Gh2Jk7Lm";

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.WithDbAsync(async db =>
        {
            db.ApiClients.Add(new Workbench.Data.Entities.ApiClientRecord
            {
                Id = "leak-test",
                DisplayName = "leak",
                KeyPrefix = ApiKey[..12],
                KeyHash = Workbench.Web.Http.ApiKeyStore.HashKey(ApiKey),
                Scopes = "cases:submit cases:read",
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
            db.Users.Add(new Workbench.Data.Entities.UserRecord { UserName = "rita", DisplayName = "Rita", Role = Workbench.Contracts.UserRole.Reviewer });
            await db.SaveChangesAsync();
            // The failure: every read of cases now throws a SqliteException carrying SQL.
            return await db.Database.ExecuteSqlRawAsync("ALTER TABLE cases RENAME TO cases_gone");
        });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static void AssertNoLeak(string body)
    {
        foreach (var tell in new[] { "   at ", "Exception", "SELECT", "FROM \"cases\"", "no such table", "Sqlite", "Workbench.", ".cs:line" })
        {
            Assert.DoesNotContain(tell, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_api_answers_a_plain_500_problem()
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        var response = await client.GetAsync($"/api/v1/cases/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("urn:workbench:problem:internal", body);
        AssertNoLeak(body);

        var submit = await client.PostAsync("/api/v1/cases", new StringContent(Samples.Json(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.InternalServerError, submit.StatusCode);
        AssertNoLeak(await submit.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_page_answers_the_error_page_with_a_request_id_only()
    {
        // A reviewer's session cookie, made with the app's own data protection (Production has no dev sign-in).
        var options = _app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "rita"), new Claim(ClaimTypes.Role, "Reviewer")],
            CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), CookieAuthenticationDefaults.AuthenticationScheme);
        var client = _app.CreateBrowserClient();
        client.DefaultRequestHeaders.Add("Cookie", $"{options.Cookie.Name}={options.TicketDataFormat.Protect(ticket)}");

        var response = await client.GetAsync("/queues");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Something went wrong", body);
        AssertNoLeak(body);
    }
}
