using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Workbench.Data.Entities;

namespace Workbench.Web.Tests.Auth;

/// <summary>Callers of the security tests: the seeded people and API clients with one scope each.</summary>
public static class SecurityTestKit
{
    public const string SubmitOnlyKey = "wb_security_submit_only_4Rt7Yp2Wq9Zx";
    public const string ReadOnlyKey = "wb_security_read_only_8Kd3Mf6Hs1Vb";
    public const string ExportOnlyKey = "wb_security_export_only_3Qn7Lp2Ws9Xc";

    /// <summary>Adds the single-scope clients (idempotent).</summary>
    public static Task AddSingleScopeClientsAsync(this WorkbenchFactory app) => app.WithDbAsync(async db =>
    {
        foreach (var (id, key, scope) in new[] { ("security-submit", SubmitOnlyKey, "cases:submit"), ("security-read", ReadOnlyKey, "cases:read"), ("security-export", ExportOnlyKey, "exports:read") })
        {
            if (!await db.ApiClients.AnyAsync(c => c.Id == id))
            {
                db.ApiClients.Add(new ApiClientRecord
                {
                    Id = id,
                    DisplayName = id,
                    KeyPrefix = key[..12],
                    KeyHash = Workbench.Web.Http.ApiKeyStore.HashKey(key),
                    Scopes = scope,
                    CreatedAt = DateTimeOffset.UtcNow,
                });
            }
        }
        return await db.SaveChangesAsync();
    });

    public static HttpClient KeyClient(this WorkbenchFactory app, string key)
    {
        var client = app.CreateBrowserClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
