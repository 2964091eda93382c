using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Web.Live;

namespace Workbench.Testing;

/// <summary>
/// The app on a real Kestrel on 127.0.0.1 and a free port (WebApplicationFactory's in-memory server cannot carry
/// WebSockets), with real HTTP clients and real SignalR connections over WebSockets.
/// </summary>
public static class LiveApp
{
    /// <summary>Starts the factory on Kestrel and returns its address.</summary>
    public static Uri StartKestrel(this WorkbenchFactory app)
    {
        app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public static HttpClient ApiClient(Uri baseAddress, string key = Samples.DemoKey)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static async Task<Workbench.Contracts.CaseReceipt> SubmitAsync(Uri baseAddress, string samplePrefix, string key = Samples.DemoKey)
    {
        using var api = ApiClient(baseAddress, key);
        using var response = await api.PostAsync("/api/v1/cases",
            new StringContent(Samples.Json(samplePrefix).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Submitting {samplePrefix} gave {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Workbench.Contracts.CaseReceipt>(
            response.Content, Workbench.Contracts.WorkbenchJson.Options))!;
    }

    /// <summary>A person signed in through the development sign-in, with the cookie, over real HTTP.</summary>
    public static async Task<HttpClient> SignedInAsync(Uri baseAddress, string user)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        using var signIn = await DevSignIn.PostAsync(client, user);
        if (signIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Signing in {user} gave {(int)signIn.StatusCode}.");
        }
        return client;
    }

    /// <summary>A reviewer's hub connection over WebSockets, authenticated by the sign-in cookie of the development sign-in.</summary>
    public static async Task<HubConnection> ReviewerHubAsync(Uri baseAddress, string user)
    {
        var cookies = new CookieContainer();
        using (var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress })
        {
            var response = await DevSignIn.PostAsync(browser, user, "/queues");
            if (response.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"Sign-in as {user} failed: {(int)response.StatusCode}");
            }
        }
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, QueuesHub.Path), HttpTransportType.WebSockets, o => o.Cookies = cookies)
            .AddJsonProtocol(o => Workbench.Contracts.WorkbenchJson.Configure(o.PayloadSerializerOptions))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>An API client's hub connection over WebSockets, authenticated by its API key.</summary>
    public static async Task<HubConnection> ClientHubAsync(Uri baseAddress, string key = Samples.DemoKey)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, QueuesHub.Path), HttpTransportType.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
            .AddJsonProtocol(o => Workbench.Contracts.WorkbenchJson.Configure(o.PayloadSerializerOptions))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>Records every <c>caseEvent</c> the connection receives.</summary>
    public static ConcurrentQueue<HubCaseEvent> Record(this HubConnection connection)
    {
        var seen = new ConcurrentQueue<HubCaseEvent>();
        connection.On<HubCaseEvent>(QueuesHub.ReviewerMethod, seen.Enqueue);
        return seen;
    }

    /// <summary>Waits for a condition with a deadline (never a fixed sleep).</summary>
    public static async Task Eventually(Func<bool> condition, string what, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {seconds} s: {what}");
            }
            await Task.Delay(20);
        }
    }
}
