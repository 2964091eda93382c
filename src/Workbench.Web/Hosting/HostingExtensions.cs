using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Workbench.Data;
using Workbench.Web.Intake;

namespace Workbench.Web.Hosting;

public static class HostingExtensions
{
    public const string DevelopmentSettingsFile = "appsettings.Development.json";

    /// <summary>
    /// In Development the configuration file lives at the repository root (DESIGN.md "Configuration"), so that
    /// one file serves `dotnet run`, the tests and the README's curl examples. It takes the place of the
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

    /// <summary>Creates or migrates the database, then fills a Development database with users and demo data.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await app.Services.MigrateWorkbenchDatabaseAsync(app.Lifetime.ApplicationStopping);
        await app.Services.GetRequiredService<ActivePolicy>().LoadAsync(
            app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), app.Configuration,
            app.Services.GetRequiredService<TimeProvider>(), app.Lifetime.ApplicationStopping);
        if (app.Environment.IsDevelopment())
        {
            await DevelopmentSeed.RunAsync(app.Services, app.Configuration, app.Lifetime.ApplicationStopping);
        }
    }

    public static WebApplication UseWorkbenchPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
            // Behind a TLS-terminating proxy set ASPNETCORE_FORWARDEDHEADERS_ENABLED=true so the scheme is seen.
            app.UseHttpsRedirection();
        }
        // Inside the page's handler, so that /api failures become problem details before it could answer with HTML.
        Api.ApiExtensions.UseWorkbenchApiErrors(app);
        app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"),
            ui => ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }
}
