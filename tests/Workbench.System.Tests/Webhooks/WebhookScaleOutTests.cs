using Workbench.Data.Entities;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.System.Tests.Webhooks;

/// <summary>Two app instances dispatching from one PostgreSQL database, as in a scale-out.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class WebhookScaleOutTests(PostgresServer postgres)
{
    [Fact]
    public async Task Two_instances_dispatching_one_database_send_each_event_once()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var database = "webhooks_" + Guid.NewGuid().ToString("N")[..10];
        WorkbenchFactory Instance()
        {
            var app = App();
            app.Settings["Database:Provider"] = "Postgres";
            app.Settings["ConnectionStrings:Workbench"] = postgres.ConnectionString(database);
            return app;
        }
        await using var a = Instance();
        await a.EndpointAsync(receiver.Url());
        await using var b = Instance();
        _ = b.Server;

        for (var i = 0; i < 40; i++)
        {
            await (i % 2 == 0 ? a : b).DecidedCaseAsync();
        }

        var limit = TimeSpan.FromSeconds(30);
        await Eventually(() => receiver.Succeeded.Count() >= 40, limit, "forty deliveries");
        await Eventually(async () => (await a.DeliveriesAsync()).All(d => d.Status == DeliveryStatus.Delivered), limit, "all marked delivered");
        Assert.Equal(40, (await a.DeliveriesAsync()).Count);
        Assert.Equal(40, receiver.Received.Count);
        Assert.Equal(40, receiver.Received.Select(r => r.Id).Distinct().Count());
    }
}
