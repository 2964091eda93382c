using Microsoft.AspNetCore.Http.HttpResults;

namespace Workbench.Web.Queues;

/// <summary>Queues: the queries behind the queue pages, and GET /api/v1/queues (the summaries an AI system or its operator may read).</summary>
public static class QueuesApi
{
    public static IHostApplicationBuilder AddWorkbenchQueues(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QueueQueries>();
        builder.Services.AddSingleton<QueueViewStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkbenchQueues(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/queues", QueuesAsync).WithTags("Queues").WithName("ListQueues")
            .RequireAuthorization(ApiSchemes.ReadPolicy).RequireRateLimiting(HttpExtensions.RateLimitPolicy)
            .WithSummary("Queue summaries: depth, in review, due soon, breached, oldest age");
        return app;
    }

    public static async Task<Ok<QueueSummaryView[]>> QueuesAsync(QueueQueries queries, CancellationToken ct)
    {
        var summaries = await queries.SummariesAsync(null, ct);
        return TypedResults.Ok(summaries.Select(q => new QueueSummaryView(q.Name, q.Title, q.Depth, q.InReview, q.AwaitingInfo, q.DueSoon,
            q.Breached, q.OldestAge?.TotalSeconds)).ToArray());
    }
}
