using System.Globalization;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Workbench.Data.Entities;
using AdminPage = Workbench.Web.Components.Pages.Admin.Admin;
using Workbench.Web.Tests.Infrastructure;
using Workbench.Web.Webhooks;
using static Workbench.Testing.WebhookTestKit;

namespace Workbench.Web.Tests.Webhooks;

/// <summary>
/// The webhook admin page's attempts, over the real app and dispatcher and a real receiver on loopback that is busy for
/// its first requests: the table shows the latest attempts, newest first, each as the receiver answered it.
/// </summary>
public sealed class WebhookAttemptsPageTests : ComponentTest
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_admin_page_shows_each_endpoints_latest_attempts_as_its_receiver_answered_them()
    {
        const int busy = 12;
        var requests = 0;
        await using var receiver = new WebhookReceiver();
        receiver.Answer = _ => Interlocked.Increment(ref requests) <= busy ? 503 : 200;
        receiver.AnswerBody = _ => Volatile.Read(ref requests) is var n && n <= busy ? $"busy, try again (request {n})" : "ok";
        await receiver.StartAsync();
        await using var app = App();
        var endpoint = await app.EndpointAsync(receiver.Url());
        await app.DecidedCaseAsync();
        await Eventually(async () => (await app.DeliveriesAsync()).SingleOrDefault()?.Status == DeliveryStatus.Delivered, Limit, "delivered after the busy answers");

        Context.Services.AddSingleton(app.Services.GetRequiredService<WebhookAdmin>());
        Context.AddAuthorization().SetAuthorized("adam");
        var page = Render<AdminPage>(_ => { });
        page.WaitForElement("[data-testid='client-select']", Limit);
        await page.InvokeAsync(() => page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "API client").Instance.ValueChanged.InvokeAsync("demo-agent"));
        var section = $"[data-testid='endpoint-attempts'] [data-endpoint='{endpoint.Endpoint.Id}']";
        page.WaitForElement(section, Limit);

        // What happened, from the receiver's side: every request it got, newest first; the page shows the last ten.
        var received = receiver.Received.Reverse().ToList();
        Assert.Equal(busy + 1, received.Count);
        var stored = await app.WithDbAsync(db => db.WebhookAttempts.AsNoTracking().Where(a => a.EndpointId == endpoint.Endpoint.Id)
            .OrderByDescending(a => a.Id).Take(10).ToListAsync());
        var rows = page.FindAll($"{section} tr[data-attempt]");
        Assert.Equal(10, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
            var answered = received[i].AnsweredWith;
            Assert.Equal(answered.ToString(CultureInfo.InvariantCulture), cells[2]);
            Assert.Equal($"{stored[i].LatencyMs} ms", cells[3]);
            Assert.Equal(stored[i].At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), cells[0]);
            if (answered == 503)
            {
                Assert.Equal("HTTP 503", cells[4]);
                Assert.Equal($"busy, try again (request {busy + 1 - i})", cells[5]);
            }
            else
            {
                Assert.Equal("—", cells[4]);
                Assert.Equal("ok", cells[5]);
            }
        }
        Assert.Equal(200, received[0].AnsweredWith);
    }
}
