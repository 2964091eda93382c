using Workbench.Web.Auth;
using Workbench.Web.Intake;
using Workbench.Web.Learning;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Hosting;

/// <summary>Development only: the seeded people, the demo API clients and the demo cases.</summary>
public static class DevelopmentSeed
{
    public sealed record DemoClient(string Id, string DisplayName, string ApiKey, string? WebhookSecret, string[] Scopes, string[]? CallbackHosts = null);

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
                // A reserved test domain: notification mails of the development sign-in's people go nowhere real.
                Email = $"{user.UserName}@workbench.test",
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
                KeyHash = ApiKeyStore.HashKey(client.ApiKey),
                Scopes = string.Join(' ', client.Scopes),
                CreatedAt = time.GetUtcNow(),
            });
        }
        // The demo clients' callback secret is the one in the configuration, so a local receiver can verify with it.
        var knownCallbackClients = await db.WebhookClients.Select(c => c.ClientId).ToListAsync(ct);
        var secrets = services.GetRequiredService<WebhookSecrets>();
        foreach (var client in clients.Where(c => c.WebhookSecret is not null && !knownCallbackClients.Contains(c.Id)))
        {
            db.WebhookClients.Add(new WebhookClientRecord
            {
                ClientId = client.Id,
                CallbackHosts = string.Join(' ', client.CallbackHosts ?? []),
                SecretProtected = secrets.Protect(client.WebhookSecret!),
                UpdatedAt = time.GetUtcNow(),
            });
        }
        await db.SaveChangesAsync(ct);

        if (configuration.GetValue("Workbench:DemoData:Enabled", true) && !await db.Cases.AnyAsync(ct))
        {
            var samples = configuration["Workbench:DemoData:SamplesPath"] ?? "assets/samples/cases";
            var count = await SeedCasesAsync(db, services.GetRequiredService<IPolicyRuntime>(), samples, time.GetUtcNow(), ct,
                services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LearningOptions>>().Value.DoubleReview);
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DevelopmentSeed))
                .LogInformation("Demo data: {Count} sample cases submitted through the policy", count);
        }
    }

    /// <summary>The day the sample files were written for: their dates are moved so that they stay as fresh or stale as written.</summary>
    public static readonly DateTimeOffset SamplesAsOf = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Each sample goes through the real policy, as if submitted some minutes to hours ago (spread so that the
    /// queues show every SLA state), by the demo client that would send it.
    /// </summary>
    public static async Task<int> SeedCasesAsync(WorkbenchDbContext db, IPolicyRuntime policy, string samplesPath, DateTimeOffset now, CancellationToken ct,
        DoubleReviewOptions? doubleReview = null)
    {
        var directory = new[] { Path.GetFullPath(samplesPath), Path.Combine(AppContext.BaseDirectory, samplesPath) }.FirstOrDefault(Directory.Exists);
        if (directory is null)
        {
            return 0;
        }
        var files = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).ToArray();
        var shift = now - SamplesAsOf;
        var index = 0;
        foreach (var file in files)
        {
            var submission = JsonSerializer.Deserialize<CaseSubmission>(await File.ReadAllTextAsync(file, ct), WorkbenchJson.Options);
            if (submission is null || !policy.IsKnownWorkflow(submission.Workflow))
            {
                continue;
            }
            submission = submission with
            {
                // Suffixed so that the sample files can still be submitted as written, as the README shows.
                ExternalId = submission.ExternalId + "#demo",
                Evidence = submission.Evidence.Select(e => e with { PublishedAt = e.PublishedAt + shift }).ToList(),
            };
            // Spread over the last ~9 hours, deterministic per file: some cases fresh, some near or past their SLA.
            var submittedAt = now - TimeSpan.FromMinutes(index * 97 % 540 + 3);
            var id = Guid.CreateVersion7(submittedAt);
            var client = submission.Workflow is "infra.remediation" or "access.change" ? "demo-agent-2" : "demo-agent";
            var decision = policy.Evaluate(submission, id, submittedAt, client);
            db.Cases.Add(IntakeService.NewCase(client, id, submission, decision, submittedAt, doubleReview: doubleReview));
            Audit.Add(db, AuditEventTypes.CaseSubmitted, client, "client", submittedAt, id, new
            {
                submission.ExternalId,
                submission.Workflow,
                decision.RiskTier,
                decision.ReasonCodes,
                decision.Queue,
                decision.PolicyVersion,
                Demo = true,
            });
            index++;
        }
        await db.SaveChangesAsync(ct);
        return index;
    }

}
