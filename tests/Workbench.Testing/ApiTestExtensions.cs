using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Client;
using Workbench.Data;

namespace Workbench.Testing;

public static class ApiTestExtensions
{
    public static HttpClient ApiClient(this WorkbenchFactory app, string key = Samples.DemoKey)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Submits a sample (fresh externalId) through the real API and returns its receipt; fails on anything but 201.</summary>
    public static Task<Workbench.Contracts.CaseReceipt> SubmitSampleAsync(this WorkbenchFactory app, string samplePrefix) =>
        app.SubmitJsonAsync(Samples.Json(samplePrefix), samplePrefix);

    /// <summary>Submits a submission body through the real API and returns its receipt; fails on anything but 201.</summary>
    public static async Task<Workbench.Contracts.CaseReceipt> SubmitJsonAsync(this WorkbenchFactory app, System.Text.Json.Nodes.JsonObject body,
        string? what = null)
    {
        using var response = await app.ApiClient().PostAsync("/api/v1/cases",
            new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Submitting {what ?? body["externalId"]?.ToString()} gave {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Workbench.Contracts.CaseReceipt>(
            response.Content, Workbench.Contracts.WorkbenchJson.Options))!;
    }

    /// <summary>
    /// A policy-legal case (<see cref="Samples.Queues"/>) that rita claims and rejects (MULTI_POLICY_CONFLICT, "Sources
    /// disagree."): events case.submitted, case.claimed, case.decided.
    /// </summary>
    public static async Task<Guid> RejectedCaseAsync(this WorkbenchFactory app)
    {
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var rita = await app.SignedInAs("rita");
        using var claim = await rita.PostAsync($"/api/v1/review/cases/{id}/claim", JsonBody("{}"));
        Assert.Equal(System.Net.HttpStatusCode.OK, claim.StatusCode);
        using var reject = await rita.PostAsync($"/api/v1/review/cases/{id}/actions",
            JsonBody("""{"action":"reject","rejectReasonCode":"MULTI_POLICY_CONFLICT","note":"Sources disagree.","rootCause":"retrieval_conflict"}"""));
        Assert.Equal(System.Net.HttpStatusCode.OK, reject.StatusCode);
        return id;
    }

    private static StringContent JsonBody(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

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
