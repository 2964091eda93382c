using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data.Entities;
using Workbench.Web.Auth;
using Workbench.Web.Http;
using Workbench.Web.Intake;
using Workbench.Web.Review;
using Workbench.Web.Webhooks;

namespace Workbench.Testing;

/// <summary>Shared steps of the webhook tests: an app whose retries take milliseconds, endpoints, decisions, waiting.</summary>
public static class WebhookTestKit
{
    public static readonly ReviewerIdentity Lena = new("lena", true, null);

    /// <summary>The real app on its own SQLite file; retries back off in milliseconds instead of seconds.</summary>
    public static WorkbenchFactory App(string? databasePath = null)
    {
        var app = new WorkbenchFactory();
        app.Settings["Webhooks:FirstRetryDelay"] = "00:00:00.020";
        app.Settings["Webhooks:MaxDelay"] = "00:00:00.100";
        app.Settings["Webhooks:PollInterval"] = "00:00:00.050";
        app.Settings["Webhooks:Timeout"] = "00:00:08";
        if (databasePath is not null)
        {
            app.Settings["ConnectionStrings:Workbench"] = $"Data Source={databasePath}";
        }
        return app;
    }

    public static async Task<EndpointSecret> EndpointAsync(this WorkbenchFactory app, string url, string clientId = "demo-agent", params string[] types)
    {
        var result = await app.Services.GetRequiredService<WebhookAdmin>().CreateEndpointAsync(new CreateEndpointRequest(clientId, url, types), "adam");
        return Assert.IsType<AdminResult<EndpointSecret>.Ok>(result).Value;
    }

    /// <summary>A queued case, claimed and rejected by a lead: one <c>case.decided</c> event.</summary>
    public static async Task<Guid> DecidedCaseAsync(this WorkbenchFactory app)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        await app.DecideAsync(id);
        return id;
    }

    public static async Task DecideAsync(this WorkbenchFactory app, Guid id)
    {
        var reviews = app.Services.GetRequiredService<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(Lena, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(Lena, id,
            new ReviewActionRequest { Action = ReviewActionKind.Reject, RejectReasonCode = "MULTI_POLICY_CONFLICT", Note = "test", RootCause = RootCause.RetrievalConflict }));
    }

    /// <summary>A reviewer asks for information (event 1), the AI system answers, the case is decided (event 2).</summary>
    public static async Task<Guid> InfoThenDecisionAsync(this WorkbenchFactory app)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var reviews = app.Services.GetRequiredService<ReviewService>();
        Assert.IsType<ReviewResult.Ok>(await reviews.ClaimAsync(Lena, id));
        Assert.IsType<ReviewResult.Ok>(await reviews.ActAsync(Lena, id, new ReviewActionRequest { Action = ReviewActionKind.RequestInfo, Question = "Which order?" }));
        Assert.IsType<CommandResult<CaseView>.Done>(await app.Services.GetRequiredService<AgentCommands>()
            .ReplyAsync("demo-agent", id, new ReplyRequest("Order A-1042."), null, CancellationToken.None));
        await app.DecideAsync(id);
        return id;
    }

    public static Task<List<WebhookDeliveryRecord>> DeliveriesAsync(this WorkbenchFactory app) =>
        app.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().OrderBy(d => d.Id).ToListAsync());

    /// <summary>Waits for a condition with a deadline (never a fixed sleep).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {limit}: {what}");
            }
            await Task.Delay(25);
        }
    }

    public static Task Eventually(Func<bool> condition, TimeSpan limit, string what) => Eventually(() => Task.FromResult(condition()), limit, what);
}
