using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Web.Admin;
using Workbench.Web.Http;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// An API key's last use is kept in memory on the request path and written to <c>api_clients.LastUsedAt</c> by a
/// flush (every minute, and when the app stops): shared by every instance, kept across restarts, never moved back.
/// The flush is driven here through <see cref="ApiKeyStore.FlushAsync"/> or by stopping the app.
/// </summary>
public sealed class ApiKeyLastUseTests
{
    private static Task<DateTimeOffset?> StoredAsync(WorkbenchFactory app, string clientId) =>
        app.WithDbAsync(db => db.ApiClients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.LastUsedAt).SingleAsync());

    private static async Task UseKeyAsync(WorkbenchFactory app)
    {
        using var client = app.ApiClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/queues")).StatusCode);
    }

    [Fact]
    public async Task A_key_used_through_the_api_is_stored_by_the_flush_and_not_written_again_until_used_again()
    {
        await using var app = new WorkbenchFactory();
        await UseKeyAsync(app);
        var store = app.Services.GetRequiredService<ApiKeyStore>();
        var seen = store.LastUsed("demo-agent");
        Assert.NotNull(seen);

        await store.FlushAsync();
        Assert.Equal(seen, await StoredAsync(app, "demo-agent"));
        Assert.Null(await StoredAsync(app, "demo-agent-2")); // a key nobody used stays without a date
        Assert.Equal(0, await store.FlushAsync()); // nothing new: no write

        await UseKeyAsync(app);
        var later = store.LastUsed("demo-agent");
        Assert.True(later > seen, $"{later:O} after {seen:O}");
        Assert.Equal(1, await store.FlushAsync());
        Assert.Equal(later, await StoredAsync(app, "demo-agent"));
    }

    [Fact]
    public async Task Two_instances_on_one_database_never_move_it_backwards_and_each_shows_the_newest_use()
    {
        await using var a = new WorkbenchFactory();
        await UseKeyAsync(a); // starts a (and migrates the file) and uses the key there first
        await using var b = new WorkbenchFactory();
        b.Settings["ConnectionStrings:Workbench"] = $"Data Source={a.DatabasePath}";
        await UseKeyAsync(b);
        var storeA = a.Services.GetRequiredService<ApiKeyStore>();
        var storeB = b.Services.GetRequiredService<ApiKeyStore>();
        var atA = storeA.LastUsed("demo-agent")!.Value;
        var atB = storeB.LastUsed("demo-agent")!.Value;
        Assert.True(atA < atB, $"{atA:O} before {atB:O}");

        // b writes its newer use first; a's older one, written after, must not replace it.
        Assert.Equal(1, await storeB.FlushAsync());
        Assert.Equal(0, await storeA.FlushAsync());
        Assert.Equal(atB, await StoredAsync(a, "demo-agent"));

        // a's admin page shows b's use (newer than its own), read from the database.
        var shownByA = (await a.Services.GetRequiredService<AccessAdmin>().ApiClientsAsync()).Single(c => c.Client.Id == "demo-agent");
        Assert.Equal(atB, shownByA.LastUsedAt);

        // b uses the key again and stops before its next periodic flush: stopping writes it, and a sees it.
        await UseKeyAsync(b);
        var lastAtB = storeB.LastUsed("demo-agent")!.Value;
        await b.DisposeAsync();
        Assert.Equal(lastAtB, await StoredAsync(a, "demo-agent"));
        var after = (await a.Services.GetRequiredService<AccessAdmin>().ApiClientsAsync()).Single(c => c.Client.Id == "demo-agent");
        Assert.Equal(lastAtB, after.LastUsedAt);
    }
}
