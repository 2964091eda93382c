using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Client;
using Workbench.Data;

namespace Workbench.Web.Tests.Infrastructure;

public static class ApiTestExtensions
{
    public static HttpClient ApiClient(this WorkbenchFactory app, string key = Samples.DemoKey)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static WorkbenchClient SdkClient(this WorkbenchFactory app, string key = Samples.DemoKey) =>
        new(app.CreateClient(), new WorkbenchClientOptions { BaseAddress = new Uri("http://localhost"), ApiKey = key });

    public static async Task<T> WithDbAsync<T>(this WorkbenchFactory app, Func<WorkbenchDbContext, Task<T>> work)
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await work(db);
    }

    public static Task<(int Cases, int Audit, int Keys, int Evaluations)> RowCountsAsync(this WorkbenchFactory app) =>
        app.WithDbAsync(async db => (await db.Cases.CountAsync(), await db.AuditEvents.CountAsync(),
            await db.IdempotencyKeys.CountAsync(), await db.PolicyEvaluations.CountAsync()));
}
