using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Workbench.System.Tests.Hosting;

/// <summary>
/// The app as it is shipped: <c>dotnet publish</c> of Workbench.Web (from the build these tests ran on), run in
/// Production from the publish folder as a deployment would — migrate, the first API client and admin made with the
/// access commands, the app started behind a "proxy" on 127.0.0.1 that says https, a case submitted with the new key,
/// the headers and cookies of its answers; then each bad setting, which must stop the start with one line.
/// </summary>
public sealed class PublishedProductionTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("wb-published-").FullName;

    private string Published => Path.Combine(_work, "app");
    private string Dll => Path.Combine(Published, "Workbench.Web.dll");

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private Dictionary<string, string?> Settings()
    {
        var key = Path.Combine(_work, "audit-key.pem");
        if (!File.Exists(key))
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            File.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        }
        return new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Database__Provider"] = "Sqlite",
            ["ConnectionStrings__Workbench"] = $"Data Source={Path.Combine(_work, "data", "workbench.db")}",
            ["Audit__Checkpoints__KeyFile"] = key,
            ["Audit__Checkpoints__Folder"] = Path.Combine(_work, "checkpoints"),
            ["ForwardedHeaders__KnownProxies"] = "127.0.0.1",
        };
    }

    private Task<(int Code, string Output)> RunAsync(Dictionary<string, string?> settings, params string[] args) =>
        Processes.RunAsync("dotnet", [Dll, .. args], TimeSpan.FromSeconds(90), _work, settings);

    private async Task PublishAsync()
    {
        // The build these tests run on, published as it is (no second build): Debug or Release, as they were built.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var project = Path.Combine(Processes.RepositoryRoot(), "src", "Workbench.Web", "Workbench.Web.csproj");
        var (code, output) = await Processes.RunAsync("dotnet", ["publish", project, "-c", configuration, "--no-build", "-o", Published, "-nologo", "-v", "q"],
            TimeSpan.FromMinutes(5), _work);
        Assert.True(code == 0 && File.Exists(Dll), "dotnet publish failed: " + output);
    }

    [Fact]
    public async Task A_published_build_is_bootstrapped_by_commands_takes_a_case_over_https_and_refuses_each_bad_setting()
    {
        await PublishAsync();
        var settings = Settings();
        var (code, output) = await RunAsync(settings, "migrate");
        Assert.True(code == 0, output);
        (code, output) = await RunAsync(settings, "create-api-key", "--id", "first-agent", "--name", "First agent", "--scopes", "cases:submit,cases:read");
        Assert.True(code == 0, output);
        var key = output.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("wb_", StringComparison.Ordinal));
        (code, output) = await RunAsync(settings, "grant-role", "--user", "first.admin@example.com", "--role", "admin");
        Assert.True(code == 0, output);

        var port = Processes.FreePort();
        using (var app = AppProcess.Start(_work, port, settings.ToDictionary(kv => kv.Key, kv => kv.Value!), Dll))
        {
            using var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            await app.WaitReadyAsync(http);

            // What the load balancer forwards: the browser's https, to the instance's plain http.
            HttpRequestMessage ViaProxy(HttpMethod method, string path, HttpContent? content = null)
            {
                var request = new HttpRequestMessage(method, path) { Content = content };
                request.Headers.Host = "workbench.example.com";
                request.Headers.Add("X-Forwarded-Proto", "https");
                request.Headers.Add("X-Forwarded-For", "198.51.100.7");
                return request;
            }

            using var submit = ViaProxy(HttpMethod.Post, "/api/v1/cases",
                new StringContent(Samples.Json(Samples.Queues).ToJsonString(), Encoding.UTF8, "application/json"));
            submit.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var submitted = await http.SendAsync(submit);
            Assert.True(submitted.StatusCode == HttpStatusCode.Created, await submitted.Content.ReadAsStringAsync() + "\n" + app.Output);
            Assert.Equal("max-age=31536000; includeSubDomains", submitted.Headers.GetValues("Strict-Transport-Security").Single());
            Assert.True(submitted.Headers.CacheControl?.NoStore, "case data is not stored");
            Assert.Equal("nosniff", submitted.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("frame-ancestors 'none'", submitted.Headers.GetValues("Content-Security-Policy").Single());
            Assert.False(submitted.Headers.Contains("Set-Cookie"), "an API answer sets no cookie");

            using var page = await http.SendAsync(ViaProxy(HttpMethod.Get, "/account/login"));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.True(page.Headers.CacheControl?.NoStore, "a page is not stored");
            Assert.Equal("max-age=31536000; includeSubDomains", page.Headers.GetValues("Strict-Transport-Security").Single());
            // The static files it links keep their own caching: only case data and pages are no-store.
            var stylesheet = global::System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "<link rel=\"stylesheet\" href=\"([^\"]+)\"").Groups[1].Value;
            using var asset = await http.SendAsync(ViaProxy(HttpMethod.Get, "/" + stylesheet.TrimStart('/')));
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{stylesheet}: {(int)asset.StatusCode}");
            Assert.False(asset.Headers.CacheControl?.NoStore ?? false, $"{stylesheet}: {asset.Headers.CacheControl}");
            // Whatever cookie a page sets over https is Secure and HttpOnly.
            foreach (var cookie in page.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [])
            {
                var attributes = cookie.ToLowerInvariant().Split(';', StringSplitOptions.TrimEntries);
                Assert.Contains("secure", attributes);
                Assert.Contains("httponly", attributes);
            }
            using var devSignIn = await http.SendAsync(ViaProxy(HttpMethod.Get, "/account/dev-login?user=adam"));
            Assert.Equal(HttpStatusCode.NotFound, devSignIn.StatusCode);
        }

        // Each bad setting: exit 1, one line naming it, no stack trace.
        (string Variable, string? Value, string Expected)[] bad =
        [
            ("ConnectionStrings__Workbench", "this is not a connection string", "ConnectionStrings:Workbench is not a Sqlite connection string"),
            ("Database__Provider", "Oracle", "Database:Provider is 'Oracle'"),
            ("Audit__Checkpoints__KeyFile", null, "Audit:Checkpoints has no signing key"),
            ("Audit__Checkpoints__KeyFile", Path.Combine(_work, "missing.pem"), "Audit:Checkpoints:KeyFile"),
            ("ForwardedHeaders__KnownProxies", "the-balancer", "ForwardedHeaders:KnownProxies: 'the-balancer' is not an IP address"),
            ("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true", "ASPNETCORE_FORWARDEDHEADERS_ENABLED is true but neither"),
            ("Hsts__MaxAge", "a year", "Hsts:MaxAge is 'a year'"),
            ("Database__Sqlite__BusyTimeout", "soon", "Database:Sqlite:BusyTimeout is 'soon'"),
            ("Database__MigrateAtStartup", "sometimes", "Database:MigrateAtStartup is 'sometimes'"),
        ];
        foreach (var (variable, value, expected) in bad)
        {
            var broken = Settings();
            broken["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Processes.FreePort()}";
            if (variable == "ASPNETCORE_FORWARDEDHEADERS_ENABLED")
            {
                broken.Remove("ForwardedHeaders__KnownProxies");
            }
            broken[variable] = value;
            (code, output) = await RunAsync(broken);
            Assert.True(code == 1, $"{variable}={value}: exit {code}\n{output}");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1 && lines[0].StartsWith("Workbench cannot start: ", StringComparison.Ordinal) && lines[0].Contains(expected),
                $"{variable}={value}:\n{output}");
        }
    }
}
