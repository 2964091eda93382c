using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Audit;
using Workbench.Core.Cases;
using Workbench.Data;
using Workbench.Web.Auditing;

namespace Workbench.Testing.Providers;

/// <summary>
/// The rewrite-and-recompute attack of someone who holds the database: with the app stopped, a rejected decision
/// becomes approved, every later event's hash is recomputed, the verification anchor is moved, and the tree and
/// checkpoints kept in the database are deleted. The app's own chain check then says intact — and the standalone
/// verifier, given the log export, the checkpoint folder and the public key, names the changed event, because a
/// checkpoint signed before the attack is kept outside the database. Run on SQLite by the web tests and on
/// PostgreSQL by the system tests.
/// </summary>
public abstract class AuditRewriteTestsBase : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wb-rewrite-" + Guid.NewGuid().ToString("N")[..12]);

    protected abstract string Provider { get; }
    protected abstract string ConnectionString { get; }
    protected abstract string DropTriggersSql { get; }
    protected abstract string CreateTriggersSql { get; }
    /// <summary>The database as the attacker opens it: no app, no interceptors.</summary>
    protected abstract WorkbenchDbContext OpenDatabase();

    private string KeyFile => Path.Combine(_directory, "audit-key.pem");
    private string Folder => Path.Combine(_directory, "checkpoints");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private WorkbenchFactory Start()
    {
        var app = new WorkbenchFactory
        {
            Settings =
            {
                ["Database:Provider"] = Provider,
                ["ConnectionStrings:Workbench"] = ConnectionString,
                ["Audit:Verification:Enabled"] = "false",
                ["Audit:Checkpoints:KeyFile"] = KeyFile,
                ["Audit:Checkpoints:Folder"] = Folder,
                // Checkpoints only when the test says so.
                ["Audit:Checkpoints:EveryEvents"] = "1000000",
                ["Audit:Checkpoints:Interval"] = "1.00:00:00",
            },
        };
        _ = app.Server;
        return app;
    }

    [Fact]
    public async Task The_verifier_names_the_first_event_of_a_rewritten_log_that_the_app_itself_calls_intact()
    {
        Guid rejected;
        long changed;
        await using (var app = Start())
        {
            rejected = await app.RejectedCaseAsync();
            await app.SubmitSampleAsync(Samples.Queues);
            await CheckpointAsync(app);
            await app.SubmitSampleAsync(Samples.Queues);
            await CheckpointAsync(app);
            Assert.True((await VerifyChainAsync(app)).Intact); // the anchor the attacker will move
            var before = await VerifierAsync(app);
            Assert.True(before.ExitCode == 0, before.Output);
            Assert.Contains("INTACT", before.Output);
            changed = await app.WithDbAsync(db => db.AuditEvents.Where(a => a.CaseId == rejected && a.Type == AuditEventTypes.CaseDecided)
                .Select(a => a.Sequence).SingleAsync());
        }

        await RewriteAsync(rejected, changed);

        await using (var app = Start())
        {
            // After the rewrite, the chain and the anchor agree with the rewritten log.
            Assert.True((await VerifyChainAsync(app)).Intact);
            var lena = await app.SignedInAs("lena");
            var export = (await lena.GetFromJsonAsync<CaseAuditExport>($"/api/v1/cases/{rejected}/audit", WorkbenchJson.Options))!;
            Assert.Equal("approved", export.Events.Single(e => e.Sequence == changed).FinalDecision);
            Assert.True(export.ChainIntact);
            // The app even signs a new checkpoint over the rewritten log, having lost its own copies.
            await app.SubmitSampleAsync(Samples.Queues);
            await CheckpointAsync(app);

            var after = await VerifierAsync(app);

            Assert.True(after.ExitCode == 1, after.Output);
            Assert.Contains($"the first event that does not fit is event {changed}.", after.Output);
            Assert.Contains($"Event {changed} (case.decided", after.Output);
        }
    }

    private static async Task CheckpointAsync(WorkbenchFactory app)
    {
        var checkpoints = app.Services.GetRequiredService<AuditCheckpoints>();
        Assert.NotNull(await checkpoints.CheckpointAsync(force: true));
        Assert.Equal(0, await checkpoints.PublishAsync());
    }

    private static async Task<AuditVerifyResult> VerifyChainAsync(WorkbenchFactory app)
    {
        var adam = await app.SignedInAs("adam");
        return (await adam.GetFromJsonAsync<AuditVerifyResult>("/api/v1/audit/verify", WorkbenchJson.Options))!;
    }

    private async Task RewriteAsync(Guid caseId, long sequence)
    {
        await using var db = OpenDatabase();
        await db.Database.ExecuteSqlRawAsync(DropTriggersSql);
        var events = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence >= sequence).OrderBy(a => a.Sequence).ToListAsync();
        var previous = events[0].PrevHash;
        foreach (var e in events)
        {
            if (e.Sequence == sequence)
            {
                e.FinalDecision = "approved";
                e.ReviewerAction = "approve";
                e.DataJson = e.DataJson.Replace("\"reject\"", "\"approve\"", StringComparison.Ordinal).Replace("\"rejected\"", "\"approved\"", StringComparison.Ordinal);
            }
            e.PrevHash = previous;
            e.Hash = AuditCanonicalForm.Hash(e);
            previous = e.Hash;
            await db.AuditEvents.Where(a => a.Id == e.Id).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.FinalDecision, e.FinalDecision).SetProperty(a => a.ReviewerAction, e.ReviewerAction)
                .SetProperty(a => a.DataJson, e.DataJson).SetProperty(a => a.PrevHash, e.PrevHash).SetProperty(a => a.Hash, e.Hash));
        }
        // Move the anchor the scheduled verification keeps, so that the next run does not see the head change.
        var heads = await db.AuditEvents.AsNoTracking().ToDictionaryAsync(a => a.Sequence, a => a.Hash);
        foreach (var v in await db.AuditVerifications.AsNoTracking().ToListAsync())
        {
            if (heads.TryGetValue(v.HeadSequence, out var hash))
            {
                await db.AuditVerifications.Where(x => x.Id == v.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.HeadHash, hash));
            }
        }
        await db.Cases.Where(c => c.Id == caseId).ExecuteUpdateAsync(s => s.SetProperty(c => c.DecisionJson,
            c => c.DecisionJson!.Replace("\"rejected\"", "\"approved\"")));
        // The copies of the tree and the checkpoints in the database go too: nothing inside is left to disagree.
        await db.AuditTreeNodes.ExecuteDeleteAsync();
        await db.AuditCheckpoints.ExecuteDeleteAsync();
        await db.Database.ExecuteSqlRawAsync(CreateTriggersSql);
    }

    private async Task<(int ExitCode, string Output)> VerifierAsync(WorkbenchFactory app)
    {
        var adam = await app.SignedInAs("adam");
        var log = Path.Combine(_directory, "audit-log.jsonl");
        await File.WriteAllBytesAsync(log, await adam.GetByteArrayAsync("/api/v1/audit/log"));
        var key = Path.Combine(_directory, "audit-key.pub.pem");
        await File.WriteAllTextAsync(key, await app.CreateClient().GetStringAsync(AuditProofApi.KeyPath));
        return await Processes.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Workbench.AuditVerifier.dll"), "--log", log,
            "--checkpoints", Folder, "--key", key], TimeSpan.FromMinutes(2));
    }
}
