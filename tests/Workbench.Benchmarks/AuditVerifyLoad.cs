using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workbench.Core.Audit;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Benchmarks;

/// <summary>
/// <c>audit-verify</c>: a chain of N events (1,000,000 by default) in a SQLite file made with the app's migrations,
/// then the app's own verification (<see cref="AuditChain.VerifyAsync"/>, streaming through EF) timed over the whole
/// chain, beside a baseline that only streams the same rows. Target: 1,000,000 events in under 10 s. It asserts
/// nothing but that the chain it built verifies.
/// </summary>
public static class AuditVerifyLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var events = Option(args, "--events", 1_000_000);
        var path = OptionText(args, "--db", Path.Combine(Path.GetTempPath(), "wb-audit-verify.db"));
        var reuse = args.Contains("--reuse");

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Logging.ClearProviders();
        builder.AddWorkbenchData();
        using var host = builder.Build();
        if (!reuse || !File.Exists(path))
        {
            foreach (var f in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(f);
            }
            await host.Services.MigrateWorkbenchDatabaseAsync();
            var seed = Stopwatch.StartNew();
            await SeedAsync(path, events);
            Console.WriteLine($"Seeded {events:N0} chained audit events in {seed.Elapsed.TotalSeconds:N1} s; file {new FileInfo(path).Length / 1024 / 1024:N0} MiB.");
        }
        else
        {
            await host.Services.MigrateWorkbenchDatabaseAsync();
        }

        var factory = host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        for (var run = 1; run <= 2; run++)
        {
            var baseline = Stopwatch.StartNew();
            long rows = 0;
            await using (var db = await factory.CreateDbContextAsync())
            {
                // The same read as the verifier (every column, sequence order, a data reader), without hashing.
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync();
                await using var cmd = connection.CreateCommand();
                cmd.CommandText = "SELECT * FROM audit_events ORDER BY \"Sequence\"";
                await using var r = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess);
                while (await r.ReadAsync())
                {
                    for (var c = 0; c < r.FieldCount; c++)
                    {
                        _ = r.GetValue(c);
                    }
                    rows++;
                }
            }
            baseline.Stop();
            await using (var db = await factory.CreateDbContextAsync())
            {
                var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
                var report = await AuditChain.VerifyAsync(db);
                var peak = Process.GetCurrentProcess().PeakWorkingSet64;
                Console.WriteLine($"run {run}: verify {report.EventsChecked:N0} events: {report.Elapsed.TotalSeconds:N2} s " +
                    $"({report.EventsChecked / report.Elapsed.TotalSeconds:N0} events/s), intact={report.Intact}; " +
                    $"baseline: reading the same {rows:N0} rows without hashing: {baseline.Elapsed.TotalSeconds:N2} s; " +
                    $"managed heap before {memoryBefore / 1024 / 1024:N0} MiB, peak working set {peak / 1024 / 1024:N0} MiB");
                if (!report.Intact)
                {
                    Console.WriteLine(report.Break!.Message);
                    return 1;
                }
            }
        }
        return 0;
    }

    private static async Task SeedAsync(string path, int count)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        string[] columns = ["Sequence", "PrevHash", "Hash", "CaseId", "Type", "Actor", "ActorRole", "At", "RequestId", "RiskTier", "PolicyVersion",
            "ModelVersion", "PromptVersion", "RetrievalIndexVersion", "ToolVersions", "EvidenceIds", "ReasonCodes", "ReviewerAction", "FinalDecision", "DataJson"];
        cmd.CommandText = $"INSERT INTO audit_events ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        foreach (var (_, i) in columns.Select((c, i) => (c, i)))
        {
            cmd.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }
        cmd.Prepare();

        var hasher = new AuditCanonicalForm.Hasher();
        var random = new Random(7);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        string[] types = ["case.submitted", "case.claimed", "case.approval_recorded", "case.decided", "case.routed", "case.outcome_reported"];
        var prev = AuditCanonicalForm.Genesis;
        var caseId = Guid.NewGuid();
        for (var i = 1; i <= count; i++)
        {
            if (i % 6 == 1)
            {
                caseId = Guid.NewGuid();
            }
            var type = types[(i - 1) % 6];
            var human = type is not ("case.submitted" or "case.outcome_reported");
            // Realistic sizes: the intake event of a support.refund case is ~700 bytes of canonical form.
            var e = new AuditEventRecord
            {
                Sequence = i,
                PrevHash = prev,
                CaseId = caseId,
                Type = type,
                Actor = human ? "rita" : "demo-agent",
                ActorRole = human ? "reviewer" : "client",
                At = AuditCanonicalForm.Truncate(start + TimeSpan.FromMilliseconds(i * 37.3)),
                RequestId = human ? null : "0HN" + random.Next().ToString("x8"),
                RiskTier = 2,
                PolicyVersion = "2026.11.3",
                ModelVersion = "gpt-4.1-2025-04-14",
                PromptVersion = "support-refund@14",
                RetrievalIndexVersion = "kb-2026-11-18",
                ToolVersions = """{"orders.lookup":"3.2.0","payments.refund":"1.9.4"}""",
                EvidenceIds = """["kb-refund-policy-v7","kb-refund-policy-v6","order-88231","ticket-551"]""",
                ReasonCodes = "MULTI_POLICY_CONFLICT HIGH_VALUE_TRANSACTION",
                ReviewerAction = human ? type[5..] : null,
                FinalDecision = type == "case.decided" ? "approved" : null,
                DataJson = $$"""{"queue":"policy-legal","outcome":{"release":"handoff","execute":"await_approval"},"note":"step {{i % 6}} of a refund that cites two policy versions","amount":{{random.Next(10, 5000)}}}""",
            };
            e.Hash = hasher.HashHex(e);
            prev = e.Hash;
            object?[] values = [e.Sequence, e.PrevHash, e.Hash, e.CaseId.Value.ToString().ToUpperInvariant(), e.Type, e.Actor, e.ActorRole, e.At.UtcTicks,
                e.RequestId, e.RiskTier, e.PolicyVersion, e.ModelVersion, e.PromptVersion, e.RetrievalIndexVersion, e.ToolVersions, e.EvidenceIds,
                e.ReasonCodes, e.ReviewerAction, e.FinalDecision, e.DataJson];
            for (var p = 0; p < values.Length; p++)
            {
                cmd.Parameters[p].Value = values[p] ?? DBNull.Value;
            }
            cmd.ExecuteNonQuery();
        }
        await tx.CommitAsync();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    private static string OptionText(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
