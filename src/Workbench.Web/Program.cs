using Workbench.Web.Admin;
using Workbench.Web.Auditing;
using Workbench.Web.Auth;
using Workbench.Web.Components;
using Workbench.Web.Health;
using Workbench.Web.Hosting;
using Workbench.Web.Intake;
using Workbench.Web.Learning;
using Workbench.Web.Live;
using Workbench.Web.Mcp;
using Workbench.Web.Notes;
using Workbench.Web.Notifications;
using Workbench.Web.Observability;
using Workbench.Web.Policies;
using Workbench.Web.Queues;
using Workbench.Web.Retention;
using Workbench.Web.Review;
using Workbench.Web.Sla;
using Workbench.Web.Webhooks;

// `Workbench.Web migrate` applies the database migrations and exits (the production deployment step);
// `create-api-key`, `revoke-api-key` and `grant-role` give a deployment its first clients and people (AccessAdminCommands).
var command = args.Length > 0 && (args[0] == "migrate" || AccessAdminCommands.IsCommand(args[0])) ? args[0] : null;
try
{
    Dictionary<string, string> options = [];
    var settings = command is null ? args : args[1..];
    if (AccessAdminCommands.IsCommand(command))
    {
        (options, settings) = AccessAdminCommands.Split(command!, settings);
    }
    var builder = WebApplication.CreateBuilder(settings);
    builder.AddWorkbenchConfiguration();
    if (command == "migrate")
    {
        return await builder.RunMigrateCommandAsync();
    }
    if (command is not null)
    {
        return await AccessAdminCommands.RunAsync(builder, command, options);
    }
    // Shared plumbing first, then one line per feature: each registers only its own services.
    builder.AddWorkbenchData();
    builder.AddWorkbenchObservability();
    builder.AddWorkbenchTransportSecurity();
    builder.AddWorkbenchHttp();
    builder.AddWorkbenchAuth();
    builder.AddWorkbenchCases();
    builder.AddWorkbenchIntake();
    builder.AddWorkbenchReview();
    builder.AddWorkbenchNotes();
    builder.AddWorkbenchQueues();
    builder.AddWorkbenchSla();
    builder.AddWorkbenchMcp();
    builder.AddWorkbenchWebhooks();
    builder.AddWorkbenchAccessAdmin();
    builder.AddWorkbenchRetention();
    builder.AddWorkbenchHealth();
    builder.AddWorkbenchAudit();
    builder.AddWorkbenchUi();
    builder.AddWorkbenchLive();
    builder.AddWorkbenchPolicies();
    builder.AddWorkbenchLearning();
    builder.AddWorkbenchNotifications();

    var app = builder.Build();
    app.CheckWorkbenchSettings(builder.Services);
    await app.PrepareDatabaseAsync();

    app.UseWorkbenchForwardedHeaders();
    app.UseWorkbenchSecurityHeaders(app.Configuration);
    app.UseWorkbenchPipeline();
    app.MapWorkbenchHealth();
    app.MapAccountEndpoints();
    app.MapWorkbenchIntake();
    app.MapWorkbenchReview();
    app.MapWorkbenchNotes();
    app.MapWorkbenchQueues();
    app.MapWorkbenchApiDocs();
    app.MapWorkbenchAudit();
    app.MapWorkbenchLive();
    app.MapWorkbenchPolicies();
    app.MapWorkbenchLearning();
    app.MapWorkbenchMcp();
    app.MapWorkbenchWebhooks();
    app.MapWorkbenchAccessAdmin();
    app.MapWorkbenchNotifications();
    app.MapWorkbenchUi();
    await app.RunAsync();
    return 0;
}
catch (WorkbenchConfigurationException ex)
{
    // One clear line naming the setting, instead of a stack trace from deep inside a driver.
    Console.Error.WriteLine(command is not null ? $"Workbench {command} failed: {ex.Message}" : $"Workbench cannot start: {ex.Message}");
    return 1;
}
catch (FormatException ex) when (ex.Source == "Microsoft.Extensions.Configuration.CommandLine")
{
    // An argument that is neither a command's option nor a setting (--Key=value).
    Console.Error.WriteLine($"Workbench {command ?? "start"} failed: {ex.Message}");
    return 1;
}

public partial class Program;
