using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Workbench.Client;
using Workbench.Contracts;
using Workbench.Web.Webhooks;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.System.Tests.Webhooks;

/// <summary>
/// The real app in its own process: 500 decisions wait for a receiver that is down, the app is killed (SIGKILL),
/// started again on the same database, the receiver comes up, and every event arrives: none lost.
/// </summary>
public sealed class WebhookCrashTests
{
    private const int Decisions = 500;

    [Fact]
    public async Task Events_committed_before_a_kill_are_all_delivered_after_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("wb-crash-").FullName;
        var database = Path.Combine(directory, "workbench.db");
        await using var receiver = new WebhookReceiver(); // down until after the restart
        AppProcess? app = null;
        try
        {
            app = await StartAsync(database);
            using var admin = await app.SignedInAsync("adam");
            using var created = await admin.PostAsJsonAsync("/api/v1/admin/webhooks/endpoints",
                new { clientId = "demo-agent", url = receiver.Url() }, WorkbenchJson.Options);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var secret = (await created.Content.ReadFromJsonAsync<EndpointSecret>(WorkbenchJson.Options))!.Secret;

            using var lena = await app.SignedInAsync("lena");
            using var agent = app.Client();
            agent.DefaultRequestHeaders.Authorization = new("Bearer", Samples.DemoKey);
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= Decisions)
                {
                    using var submitted = await agent.PostAsync("/api/v1/cases", Json(Samples.Json(Samples.Queues)));
                    Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
                    var id = (await submitted.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!.Id;
                    using var claimed = await lena.PostAsync($"/api/v1/review/cases/{id}/claim", Json(new JsonObject()));
                    Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
                    using var rejected = await lena.PostAsync($"/api/v1/review/cases/{id}/actions",
                        Json(new JsonObject { ["action"] = "reject", ["rejectReasonCode"] = "MULTI_POLICY_CONFLICT", ["rootCause"] = "retrieval_conflict" }));
                    Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
                }
            }));
            // Some deliveries have been tried and failed (the receiver is down); then the process dies without warning.
            await Eventually(async () => (await DeliveriesAsync(admin)).Any(d => d.Attempts > 0), TimeSpan.FromSeconds(30), "first attempts failing");
            app.Dispose(); // SIGKILL, then wait for the process to be gone

            app = await StartAsync(database);
            await receiver.StartAsync();
            await Eventually(() => receiver.Succeeded.Select(r => r.Id).Distinct().Count() >= Decisions, TimeSpan.FromSeconds(90),
                $"all {Decisions} events delivered after the restart");

            var verifier = new WebhookVerifier(secret);
            var received = receiver.Received.ToList();
            Assert.All(received, r => Assert.Equal(WebhookEventTypes.CaseDecided, verifier.Verify(r.Headers, r.Body).ReadEvent().Type));
            Assert.Equal(Decisions, received.Select(r => r.Id).Distinct().Count());
            // A duplicate, if any, is the same event: same webhook-id, same body.
            Assert.All(received.GroupBy(r => r.Id), g => Assert.Single(g.Select(r => r.Body).Distinct()));
            Assert.Equal(Decisions, received.Select(r => verifier.Verify(r.Headers, r.Body).ReadEvent().GetData<DecisionView>()!.CaseId).Distinct().Count());
            using var admin2 = await app.SignedInAsync("adam");
            await Eventually(async () => (await DeliveriesAsync(admin2)).Count(d => d.Status == Data.Entities.DeliveryStatus.Delivered) == Decisions,
                TimeSpan.FromSeconds(30), "all marked delivered");
        }
        finally
        {
            app?.Dispose();
            SqlitePools.Clear(database);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<List<DeliveryView>> DeliveriesAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<List<DeliveryView>>($"/api/v1/admin/webhooks/deliveries?take={Decisions}", WorkbenchJson.Options))!;

    /// <summary>
    /// The app in its own process on <paramref name="database"/>, retrying deliveries within a second; its working
    /// directory (and so its content root) is src/Workbench.Web, as for the end-to-end tests.
    /// </summary>
    private static async Task<AppProcess> StartAsync(string database)
    {
        var app = AppProcess.Start(Path.Combine(Processes.RepositoryRoot(), "src", "Workbench.Web"), Processes.FreePort(), new Dictionary<string, string>
        {
            ["ConnectionStrings__Workbench"] = $"Data Source={database}",
            ["Webhooks__FirstRetryDelay"] = "00:00:00.100",
            ["Webhooks__MaxDelay"] = "00:00:00.500",
            ["Webhooks__PollInterval"] = "00:00:00.100",
        });
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await app.WaitReadyAsync(http, TimeSpan.FromSeconds(60));
            return app;
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }
}
