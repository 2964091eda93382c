using Workbench.Core.Cases;

namespace Workbench.Web.Intake;

/// <summary>Intake: the /api/v1/cases endpoints AI systems call, the intake service and its group-commit writer.</summary>
public static class IntakeExtensions
{
    public static IHostApplicationBuilder AddWorkbenchIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<IntakeLimits>(builder.Configuration.GetSection("Intake:Limits"));
        builder.Services.AddSingleton<IntakeService>();
        builder.Services.AddSingleton<IntakeWriter>();
        builder.Services.AddSingleton<AgentCommands>();
        return builder;
    }

    public static WebApplication MapWorkbenchIntake(this WebApplication app)
    {
        app.MapCasesApi();
        return app;
    }
}
