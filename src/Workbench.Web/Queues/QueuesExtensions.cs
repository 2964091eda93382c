namespace Workbench.Web.Queues;

/// <summary>Queues: the queue grid's and the queue summaries' queries, and GET /api/v1/queues.</summary>
public static class QueuesExtensions
{
    public static IHostApplicationBuilder AddWorkbenchQueues(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QueueQueries>();
        return builder;
    }

    public static WebApplication MapWorkbenchQueues(this WebApplication app)
    {
        app.MapQueuesApi();
        return app;
    }
}
