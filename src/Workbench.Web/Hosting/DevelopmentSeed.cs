using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auth;

namespace Workbench.Web.Hosting;

/// <summary>Development only: the seeded people, the demo API clients and the demo cases.</summary>
public static class DevelopmentSeed
{
    public sealed record DemoClient(string Id, string DisplayName, string ApiKey, string? WebhookSecret, string[] Scopes);

    public static async Task RunAsync(IServiceProvider services, IConfiguration configuration, CancellationToken ct)
    {
        var dbFactory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var time = services.GetRequiredService<TimeProvider>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        var known = await db.Users.Select(u => u.UserName).ToListAsync(ct);
        foreach (var user in DevUsers.All.Where(u => !known.Contains(u.UserName)))
        {
            db.Users.Add(new UserRecord
            {
                UserName = user.UserName,
                DisplayName = user.DisplayName,
                Role = user.Role,
                Queues = user.Queues.Select(q => new QueueMembershipRecord { UserName = user.UserName, Queue = q }).ToList(),
            });
        }

        var clients = configuration.GetSection("Workbench:DemoClients").Get<DemoClient[]>() ?? [];
        var knownClients = await db.ApiClients.Select(c => c.Id).ToListAsync(ct);
        foreach (var client in clients.Where(c => !knownClients.Contains(c.Id)))
        {
            db.ApiClients.Add(new ApiClientRecord
            {
                Id = client.Id,
                DisplayName = client.DisplayName,
                KeyPrefix = client.ApiKey[..Math.Min(10, client.ApiKey.Length)],
                KeyHash = HashKey(client.ApiKey),
                Scopes = string.Join(' ', client.Scopes),
                CreatedAt = time.GetUtcNow(),
            });
        }
        await db.SaveChangesAsync(ct);
    }

    public static string HashKey(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
}
