using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;

namespace Workbench.Web.Webhooks;

public static class WebhookExtensions
{
    public static IHostApplicationBuilder AddWorkbenchWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection("Webhooks"));
        // Secrets are protected with Data Protection, whose key ring AddWorkbenchData keeps in the database (or a shared
        // folder): every instance, and a restarted one, can read the secrets it protects.
        builder.Services.AddSingleton<WebhookSecrets>();
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own deadline (Webhooks:Timeout)
                c.DefaultRequestHeaders.UserAgent.ParseAdd("Workbench-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<WebhookOptions>>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false, // a redirect could lead anywhere, inside the network too
                    UseCookies = false,
                    UseProxy = false,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = TargetGuard.ConnectCallback(() => options.CurrentValue.AllowPrivateTargets),
                };
            });
        builder.Services.AddSingleton<EndpointHealth>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        builder.Services.AddSingleton<WebhookAdmin>();
        return builder;
    }

    public sealed record EnabledRequest(bool Enabled);
    public sealed record CallbackSettingsRequest(string[] Hosts, bool RotateSecret);
    public sealed record CallbackSettingsResult(CallbackSettingsView Settings, string? Secret);

    /// <summary>The admin API for webhooks (role Admin): the same operations as the admin page.</summary>
    public static IEndpointRouteBuilder MapWorkbenchWebhooks(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin/webhooks").WithTags("Admin").RequireAuthorization(WorkbenchPolicies.Admin)
            .RequireJsonBody("Admin API");
        admin.MapGet("/endpoints", async (string? clientId, WebhookAdmin w, CancellationToken ct) => TypedResults.Ok(await w.EndpointsAsync(clientId, ct)))
            .WithName("ListWebhookEndpoints").WithSummary("Webhook endpoints, of one client or all");
        admin.MapPost("/endpoints", CreateAsync).WithName("CreateWebhookEndpoint").Accepts<CreateEndpointRequest>("application/json")
            .WithSummary("Register an endpoint; the answer holds its secret, shown this once");
        admin.MapPost("/endpoints/{id:guid}/rotate", async Task<Results<Ok<EndpointSecret>, ProblemHttpResult, ValidationProblem>> (Guid id, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct) =>
                AdminAnswers.Answer(await w.RotateAsync(id, AdminAnswers.Actor(user), ct), "endpoint"))
            .WithName("RotateWebhookSecret").WithSummary("A new secret; the old one keeps signing during the overlap");
        admin.MapPost("/endpoints/{id:guid}/enabled", EnableAsync).WithName("EnableWebhookEndpoint").Accepts<EnabledRequest>("application/json")
            .WithSummary("Enable or disable an endpoint (deliveries wait while it is disabled)");
        admin.MapDelete("/endpoints/{id:guid}", async Task<Results<Ok<EndpointView>, ProblemHttpResult, ValidationProblem>> (Guid id, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct) =>
                AdminAnswers.Answer(await w.RemoveAsync(id, AdminAnswers.Actor(user), ct), "endpoint"))
            .WithName("RemoveWebhookEndpoint").WithSummary("Remove an endpoint; its pending deliveries are dead-lettered");
        admin.MapPost("/endpoints/{id:guid}/test", async Task<Results<Ok<DeliveryView>, ProblemHttpResult, ValidationProblem>> (Guid id, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct) =>
                AdminAnswers.Answer(await w.SendTestAsync(id, AdminAnswers.Actor(user), ct), "endpoint"))
            .WithName("SendWebhookTest").WithSummary("Send a webhook.test event to this endpoint");
        admin.MapGet("/deliveries", async (string? clientId, DeliveryStatus? status, int? take, WebhookAdmin w, CancellationToken ct) =>
                TypedResults.Ok(await w.DeliveriesAsync(clientId, status, take ?? 50, ct)))
            .WithName("ListWebhookDeliveries").WithSummary("Recent deliveries, newest first");
        admin.MapPost("/deliveries/{id:long}/replay", async Task<Results<Ok<DeliveryView>, ProblemHttpResult, ValidationProblem>> (long id, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct) =>
                AdminAnswers.Answer(await w.ReplayAsync(id, AdminAnswers.Actor(user), ct), "delivery"))
            .WithName("ReplayWebhookDelivery").WithSummary("Send a failed or dead-lettered delivery again, same webhook-id");
        admin.MapPut("/clients/{clientId}/callbacks", CallbacksAsync).WithName("SetCallbackSettings").Accepts<CallbackSettingsRequest>("application/json")
            .WithSummary("The hosts a client's callbackUrl may use; the first call (or rotateSecret) returns the callback secret once");
        return app;
    }

    private static async Task<Results<Created<EndpointSecret>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreateEndpointRequest>(request, 64 * 1024, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<Created<EndpointSecret>>(body.Problem);
        }
        return AdminAnswers.Created(await w.CreateEndpointAsync(body.Value!, AdminAnswers.Actor(user), ct), v => $"/api/v1/admin/webhooks/endpoints/{v.Endpoint.Id}", "client");
    }

    private static async Task<Results<Ok<EndpointView>, ProblemHttpResult, ValidationProblem>> EnableAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<EnabledRequest>(request, 4096, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<Ok<EndpointView>>(body.Problem);
        }
        return AdminAnswers.Answer(await w.SetEnabledAsync(id, body.Value!.Enabled, AdminAnswers.Actor(user), ct), "endpoint");
    }

    private static async Task<Results<Ok<CallbackSettingsResult>, ProblemHttpResult, ValidationProblem>> CallbacksAsync(
        string clientId, HttpRequest request, ClaimsPrincipal user, WebhookAdmin w, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CallbackSettingsRequest>(request, 64 * 1024, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<Ok<CallbackSettingsResult>>(body.Problem);
        }
        return await w.SetCallbackHostsAsync(clientId, body.Value!.Hosts ?? [], body.Value.RotateSecret, AdminAnswers.Actor(user), ct) switch
        {
            AdminResult<(CallbackSettingsView Settings, string? Secret)>.Ok ok => TypedResults.Ok(new CallbackSettingsResult(ok.Value.Settings, ok.Value.Secret)),
            AdminResult<(CallbackSettingsView Settings, string? Secret)>.Invalid invalid => Problems.Invalid(invalid.Errors),
            _ => Problems.NotFound("client"),
        };
    }
}
