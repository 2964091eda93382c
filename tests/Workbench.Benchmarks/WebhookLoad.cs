using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Cases;
using Workbench.Web.Http;
using Workbench.Web.Webhooks;

namespace Workbench.Benchmarks;

/// <summary>
/// `webhooks`: the dispatcher end to end, in-process on a SQLite file: N outbox events (one per case, as decisions
/// write them) are fanned out, claimed, signed, POSTed to a local Kestrel receiver on 127.0.0.1 and marked delivered.
/// Beside it, in the same run, a baseline: the same number of plain POSTs to the same receiver with the same
/// concurrency and no database. A load tool that prints figures; it asserts only that every event arrived.
/// </summary>
public static class WebhookLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Option(args, "--deliveries", 20_000);
        var concurrency = Option(args, "--concurrency", 256);
        var path = Path.Combine(Path.GetTempPath(), $"wb-webhooks-{Guid.NewGuid():N}.db");

        var received = 0;
        var port = Processes.FreePort();
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.Logging.ClearProviders();
        receiverBuilder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/hooks", async (HttpRequest r) =>
        {
            using var reader = new StreamReader(r.Body);
            await reader.ReadToEndAsync();
            Interlocked.Increment(ref received);
            return Results.NoContent();
        });
        await receiver.StartAsync();
        var url = $"http://127.0.0.1:{port}/hooks";

        // Baseline: plain POSTs of a body of the same size, no signing, no database.
        var body = Outbox.Event("case.decided", "bench", Guid.NewGuid(), null, DateTimeOffset.UtcNow, new { decision = "approved", note = new string('x', 300) }).Body;
        using (var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }))
        {
            var baseline = Stopwatch.StartNew();
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= count)
                {
                    using var response = await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
                    response.EnsureSuccessStatusCode();
                }
            }));
            Console.WriteLine($"baseline   plain POSTs to the receiver: {count:N0} in {baseline.Elapsed.TotalSeconds:N2} s = {count / baseline.Elapsed.TotalSeconds:N0}/s ({concurrency} concurrent)");
        }
        received = 0;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Configuration["Webhooks:AllowPrivateTargets"] = "true";
        builder.Configuration["Webhooks:MaxInFlight"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Webhooks:MaxInFlightPerTarget"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Webhooks:PollInterval"] = "00:00:00.050";
        builder.Logging.ClearProviders();
        if (args.Contains("--trace"))
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Workbench.Web.Webhooks", LogLevel.Debug);
        }
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CaseEvents>();
        builder.AddWorkbenchData();
        builder.AddWorkbenchWebhooks();
        await using var app = builder.Build();
        await app.Services.MigrateWorkbenchDatabaseAsync();

        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var now = DateTimeOffset.UtcNow;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.ApiClients.Add(new ApiClientRecord { Id = "bench", DisplayName = "Benchmark", KeyPrefix = "wb_bench", KeyHash = new string('0', 64), Scopes = "cases:read", CreatedAt = now });
            await db.SaveChangesAsync();
        }
        var admin = app.Services.GetRequiredService<WebhookAdmin>();
        if (await admin.CreateEndpointAsync(new CreateEndpointRequest("bench", url, null), "bench") is not AdminResult<EndpointSecret>.Ok)
        {
            throw new InvalidOperationException("Could not register the endpoint.");
        }
        for (var done = 0; done < count; done += 5000)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            for (var i = done; i < Math.Min(count, done + 5000); i++)
            {
                Outbox.Add(db, "case.decided", "bench", Guid.NewGuid(), null, now, new { decision = "approved", note = new string('x', 300) });
            }
            await db.SaveChangesAsync();
        }

        var watch = Stopwatch.StartNew();
        await app.StartAsync(); // the dispatcher starts with the host
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (Volatile.Read(ref received) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        var sent = watch.Elapsed;
        int delivered;
        do
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            delivered = await db.WebhookDeliveries.CountAsync(d => d.Status == DeliveryStatus.Delivered);
            if (delivered < count)
            {
                await Task.Delay(20);
            }
        }
        while (delivered < count && DateTime.UtcNow < deadline);
        var marked = watch.Elapsed;
        await app.StopAsync();
        Console.WriteLine($"dispatcher outbox → signed POST → marked delivered: {count:N0} events; received in {sent.TotalSeconds:N2} s = {received / sent.TotalSeconds:N0}/s; " +
                          $"all marked delivered in {marked.TotalSeconds:N2} s = {delivered / marked.TotalSeconds:N0}/s (SQLite, {concurrency} in flight)");
        foreach (var f in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(f);
        }
        if (received < count || delivered < count)
        {
            Console.Error.WriteLine($"Only {received} received and {delivered} marked delivered of {count}.");
            return 1;
        }
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }
}
