using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Contracts;
using Workbench.Web.Http;

namespace Workbench.Web.Queues;

/// <summary>GET /api/v1/queues: the queue summaries an AI system (or its operator) may read.</summary>
public static class QueuesApi
{
    public static IEndpointRouteBuilder MapQueuesApi(this IEndpointRouteBuilder app)
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
