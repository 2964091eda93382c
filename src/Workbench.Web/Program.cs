using Workbench.Data;
using Workbench.Web.Admin;
using Workbench.Web.Api;
using Workbench.Web.Auditing;
using Workbench.Web.Auth;
using Workbench.Web.Components;
using Workbench.Web.Health;
using Workbench.Web.Hosting;
using Workbench.Web.Live;
using Workbench.Web.Sla;
using Workbench.Web.Insights;
using Workbench.Web.Observability;
using Workbench.Web.Retention;
using Workbench.Web.Mcp;
using Workbench.Web.Webhooks;

// `Workbench.Web migrate` applies the database migrations and exits (the production deployment step).
var migrate = args.Length > 0 && args[0] == "migrate";
try
{
    var builder = WebApplication.CreateBuilder(migrate ? args[1..] : args);
    builder.AddWorkbenchConfiguration();
    if (migrate)
    {
        return await builder.RunMigrateCommandAsync();
    }
    builder.AddWorkbenchData();
    builder.AddWorkbenchAuth();
    builder.AddWorkbenchApi();
    builder.AddWorkbenchSla();
    builder.AddWorkbenchMcp();
    builder.AddWorkbenchWebhooks();
    builder.AddWorkbenchAccessAdmin();
    builder.AddWorkbenchRetention();
    builder.AddWorkbenchHealth();
    builder.AddWorkbenchAudit();
    builder.AddWorkbenchObservability();
    builder.AddWorkbenchUi();
    builder.AddWorkbenchLive();
    builder.AddWorkbenchLearning();

    var app = builder.Build();
    await app.PrepareDatabaseAsync();

    app.UseWorkbenchSecurityHeaders(app.Configuration);
    app.UseWorkbenchPipeline();
    app.MapWorkbenchHealth();
    app.MapAccountEndpoints();
    app.MapWorkbenchApi();
    app.MapAuditApi();
    app.MapWorkbenchLive();
    app.MapWorkbenchLearning();
    app.MapWorkbenchMcp();
    app.MapWebhookAdminApi();
    app.MapAccessAdminApi();
    app.MapWorkbenchUi();
    await app.RunAsync();
    return 0;
}
catch (WorkbenchConfigurationException ex)
{
    // One clear line naming the setting, instead of a stack trace from deep inside a driver.
    Console.Error.WriteLine(migrate ? $"Workbench migrate failed: {ex.Message}" : $"Workbench cannot start: {ex.Message}");
    return 1;
}

public partial class Program;
