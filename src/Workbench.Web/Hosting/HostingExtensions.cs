using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Workbench.Web.Auth;
using Workbench.Web.Observability;

namespace Workbench.Web.Hosting;

public static class HostingExtensions
{
    public const string DevelopmentSettingsFile = "appsettings.Development.json";

    /// <summary>
    /// In Development the configuration file lives at the repository root (docs/design.md "Configuration"), so that
    /// one file serves `dotnet run`, the tests and the curl examples of docs/api.md. It takes the place of the
    /// project's own appsettings.Development.json: above appsettings.json, below environment variables.
    /// </summary>
    public static IHostApplicationBuilder AddWorkbenchConfiguration(this IHostApplicationBuilder builder)
    {
        // Kestrel's limits (body size, header size and time, keep-alive) from Kestrel:Limits (appsettings.json).
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        if (!builder.Environment.IsDevelopment())
        {
            return builder;
        }
        var root = FindRepositoryRoot(builder.Environment.ContentRootPath) ?? FindRepositoryRoot(AppContext.BaseDirectory);
        if (root is null)
        {
            return builder;
        }
        var sources = builder.Configuration.Sources;
        var index = sources.ToList().FindLastIndex(s => s is JsonConfigurationSource json &&
            json.Path is not null && json.Path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase));
        var source = new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(root),
            Path = DevelopmentSettingsFile,
            Optional = false,
            ReloadOnChange = false,
        };
        sources.Insert(index + 1, source);
        return builder;
    }

    /// <summary>The folder holding Workbench.sln, searched upwards from <paramref name="start"/>.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workbench.sln")) &&
                File.Exists(Path.Combine(dir.FullName, DevelopmentSettingsFile)))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>
    /// Migrates the database (or, when <c>Database:MigrateAtStartup</c> is false, refuses one with pending
    /// migrations), then fills a Development database with users and demo data.
    /// </summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var ct = app.Lifetime.ApplicationStopping;
        // Instances starting together on one database take turns: the first migrates and writes the first policy
        // version, the first key and the demo data; the next finds them.
        await StartupLock.RunAsync(app.Services, async () =>
        {
            if (DataExtensions.MigrateAtStartup(app.Configuration, app.Environment.IsDevelopment()))
            {
                await app.Services.MigrateWorkbenchDatabaseAsync(ct);
            }
            else
            {
                await app.Services.EnsureWorkbenchDatabaseIsCurrentAsync(ct);
            }
            await app.Services.GetRequiredService<ActivePolicy>().LoadAsync(
                app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), app.Configuration,
                app.Services.GetRequiredService<TimeProvider>(), ct);
            EnsureDataProtectionKey(app.Services);
            if (app.Environment.IsDevelopment())
            {
                await DevelopmentSeed.RunAsync(app.Services, app.Configuration, ct);
            }
        }, ct);
    }

    /// <summary>
    /// Writes the first Data Protection key now, under the start-up lock, when there is none: left to the first request
    /// that protects something, two instances would each write one.
    /// </summary>
    private static void EnsureDataProtectionKey(IServiceProvider services)
    {
        var keys = services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();
        if (!keys.GetAllKeys().Any())
        {
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            keys.CreateNewKey(activationDate: now, expirationDate: now.AddDays(90));
        }
    }

    /// <summary>
    /// <c>Workbench.Web migrate</c>: applies the configured provider's migrations and exits, the deployment step that
    /// production runs once before starting (or updating) the instances.
    /// </summary>
    public static async Task<int> RunMigrateCommandAsync(this WebApplicationBuilder builder)
    {
        builder.AddWorkbenchData();
        await using var app = builder.Build();
        var settings = app.Services.GetRequiredService<DatabaseSettings>();
        var applied = await app.Services.MigrateWorkbenchDatabaseAsync();
        Console.WriteLine(applied.Count == 0
            ? $"Workbench migrate: the {settings.Provider} database is up to date."
            : $"Workbench migrate: applied {applied.Count} migration(s) to the {settings.Provider} database: {string.Join(", ", applied)}.");
        return 0;
    }

    public static WebApplication UseWorkbenchPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
            // Behind a TLS-terminating proxy name it in ForwardedHeaders:KnownProxies so the scheme is seen (TransportSecurity).
            app.UseHttpsRedirection();
        }
        // Inside the page's handler, so that /api failures become problem details before it could answer with HTML.
        app.UseWorkbenchRequestIds();
        app.UseWorkbenchApiErrors();
        app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"),
            ui => ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        // Around authentication: a sign-in that cannot reach Entra ID gets its own page, not the generic error.
        app.UseWorkbenchSignInAvailability();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseWorkbenchLogScopes();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }
}
