using Workbench.Data;
using Workbench.Web.Api;
using Workbench.Web.Auth;
using Workbench.Web.Components;
using Workbench.Web.Health;
using Workbench.Web.Hosting;
using Workbench.Web.Webhooks;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddWorkbenchConfiguration();
    builder.AddWorkbenchData();
    builder.AddWorkbenchAuth();
    builder.AddWorkbenchApi();
    builder.AddWorkbenchWebhooks();
    builder.AddWorkbenchHealth();
    builder.AddWorkbenchUi();

    var app = builder.Build();
    await app.PrepareDatabaseAsync();

    app.UseWorkbenchApiErrors();
    app.UseWorkbenchPipeline();
    app.MapWorkbenchHealth();
    app.MapAccountEndpoints();
    app.MapWorkbenchApi();
    app.MapWebhookAdminApi();
    app.MapWorkbenchUi();
    await app.RunAsync();
    return 0;
}
catch (WorkbenchConfigurationException ex)
{
    // One clear line naming the setting, instead of a stack trace from deep inside a driver.
    Console.Error.WriteLine($"Workbench cannot start: {ex.Message}");
    return 1;
}

public partial class Program;
