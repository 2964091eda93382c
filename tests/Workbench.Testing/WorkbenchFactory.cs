using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Workbench.Testing;

/// <summary>
/// The real app in-process on a fresh SQLite file of its own. Settings go through UseSetting, because the app
/// reads its database settings while building, before WebApplicationFactory's later configuration hooks run.
/// </summary>
public class WorkbenchFactory : WebApplicationFactory<Program>
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wb-test-" + Guid.NewGuid().ToString("N")[..12]);

    public WorkbenchFactory()
    {
        Directory.CreateDirectory(_directory);
        DatabasePath = Path.Combine(_directory, "workbench.db");
    }

    public string DatabasePath { get; }
    public string CheckpointKeyPath => Path.Combine(_directory, "audit-checkpoint-key.pem");
    public string CheckpointFolder => Path.Combine(_directory, "checkpoints");
    public string EnvironmentName { get; init; } = Environments.Development;
    public bool DemoData { get; init; }
    public Dictionary<string, string?> Settings { get; } = [];
    /// <summary>Service changes a test needs (applied after the app's own registrations).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Workbench", $"Data Source={DatabasePath}");
        builder.UseSetting("Workbench:DemoData:Enabled", DemoData ? "true" : "false");
        // Each factory has a fresh database: migrate it whatever the environment (a test can say otherwise).
        builder.UseSetting("Database:MigrateAtStartup", "true");
        // Blind double review samples 5 % of queued cases by their random id, and a sampled case withholds its decision
        // from everyone who did not act on it. Tests not about it must not depend on a coin toss: off unless a test sets it.
        builder.UseSetting("Learning:DoubleReview:Share", "0");
        // A decision waits out its undo window before the AI system sees it (10 s in the product). Tests not about the
        // window read decisions at once; the undo tests set their own.
        builder.UseSetting("Review:UndoWindow", "00:00:00");
        // The audit checkpoint key and folder of this app alone. Development generates the key on first start; outside
        // it a key is required (a missing one stops the start), so the test writes one, as a deployment provides it.
        if (EnvironmentName != Environments.Development && !File.Exists(CheckpointKeyPath))
        {
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            File.WriteAllText(CheckpointKeyPath, key.ExportPkcs8PrivateKeyPem());
        }
        builder.UseSetting("Audit:Checkpoints:KeyFile", CheckpointKeyPath);
        builder.UseSetting("Audit:Checkpoints:Folder", CheckpointFolder);
        foreach (var (k, v) in Settings)
        {
            builder.UseSetting(k, v);
        }
        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
        }
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so tests see them.</summary>
    public HttpClient CreateBrowserClient() => CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
        BaseAddress = new Uri("http://localhost"),
    });

    /// <summary>Signs in through the development sign-in and returns the client holding the cookie.</summary>
    public async Task<HttpClient> SignedInAs(string user)
    {
        var client = CreateBrowserClient();
        var response = await DevSignIn.PostAsync(client, user, "/queues");
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/queues")
        {
            throw new InvalidOperationException($"Sign-in as {user} failed: {(int)response.StatusCode} {response.Headers.Location}");
        }
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqlitePools.Clear(DatabasePath);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}
