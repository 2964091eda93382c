using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workbench.Web.Auth;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Notifications;

public static class NotificationsExtensions
{
    public static IHostApplicationBuilder AddWorkbenchNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<NotificationOptions>(builder.Configuration.GetSection("Notifications"));
        builder.Services.AddHttpClient(ChatChannel.HttpClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan; // each send has its own deadline (Notifications:Timeout)
                c.DefaultRequestHeaders.UserAgent.ParseAdd("Workbench-Notifications/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<NotificationOptions>>();
                // Slack, Teams and push services are outside targets like webhook receivers: the same guard, at connect time too.
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = TargetGuard.ConnectCallback(() => options.CurrentValue.AllowPrivateTargets),
                };
            });
        builder.Services.AddSingleton<EmailChannel>();
        builder.Services.AddSingleton<ChatChannel>();
        builder.Services.AddSingleton<WebPushChannel>();
        builder.Services.AddSingleton<ChannelUrls>();
        builder.Services.AddSingleton<SafeLinks>();
        builder.Services.AddSingleton<ChannelDelivery>();
        builder.Services.AddSingleton<NotificationSettings>();
        builder.Services.AddSingleton<ScheduledChecks>();
        builder.Services.AddSingleton<NotificationSender>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationSender>());
        builder.Services.AddSingleton<NotificationPlanner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationPlanner>());
        return builder;
    }

    public sealed record UnsubscribeRequest(string Endpoint);

    public static IEndpointRouteBuilder MapWorkbenchNotifications(this IEndpointRouteBuilder app)
    {
        // A link from a mail or a browser notification. Signing in comes first (the cookie challenge sends a stranger, or
        // a link scanner, to the sign-in page with this path as the return URL); the link itself only leads to a page.
        app.MapGet("/go/{token}", OpenLinkAsync).RequireAuthorization(WorkbenchPolicies.SignedIn).ExcludeFromDescription();

        var me = app.MapGroup("/api/v1/me/push-subscriptions").WithTags("Notifications").RequireAuthorization(WorkbenchPolicies.SignedIn)
            .RequireJsonBody("Notification");
        me.MapPost("/", SubscribeAsync).WithName("SubscribePush").Accepts<PushSubscriptionRequest>("application/json")
            .WithSummary("Subscribe this browser to the signed-in person's notifications (Web Push)");
        me.MapPost("/remove", UnsubscribeAsync).WithName("UnsubscribePush").Accepts<UnsubscribeRequest>("application/json")
            .WithSummary("Stop sending to this browser");
        return app;
    }

    private static async Task<RedirectHttpResult> OpenLinkAsync(string token, ClaimsPrincipal user, SafeLinks links, CancellationToken ct)
    {
        var (outcome, path) = await links.OpenAsync(token, user.Identity!.Name!, ct);
        return outcome == LinkOutcome.Opened && path is not null && SafeLinks.IsLocalPath(path)
            ? TypedResults.LocalRedirect(path)
            : TypedResults.LocalRedirect("/notifications/link?outcome=" + outcome.ToString().ToLowerInvariant() +
                                         (outcome == LinkOutcome.Used && path is not null ? "&path=" + Uri.EscapeDataString(path) : ""));
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> SubscribeAsync(HttpRequest request, ClaimsPrincipal user,
        NotificationSettings settings, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<PushSubscriptionRequest>(request, 8 * 1024, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<NoContent>(body.Problem);
        }
        return await settings.SubscribeAsync(user.Identity!.Name!, body.Value, request.Headers.UserAgent.ToString(), ct) switch
        {
            SettingsResult.Invalid invalid => Problems.Invalid(invalid.Errors),
            _ => TypedResults.NoContent(),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> UnsubscribeAsync(HttpRequest request, ClaimsPrincipal user,
        NotificationSettings settings, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<UnsubscribeRequest>(request, 8 * 1024, ct);
        if (body.Problem is not null)
        {
            return AdminAnswers.BodyProblem<NoContent>(body.Problem);
        }
        if (string.IsNullOrEmpty(body.Value?.Endpoint))
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["endpoint"] = ["The endpoint of the subscription to remove."] });
        }
        await settings.UnsubscribeAsync(user.Identity!.Name!, body.Value.Endpoint, ct);
        return TypedResults.NoContent();
    }
}
