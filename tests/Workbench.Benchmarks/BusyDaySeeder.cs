using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workbench.Contracts;
using Workbench.Core.Audit;
using Workbench.Core.Policy;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Benchmarks;

/// <summary>
/// A reviewer's busy day in a SQLite file: open cases spread over the seven queues (a few claimed or assigned), each
/// with its policy evaluation, 3 review actions and 6 audit events chained as the app chains them. What `review-pages`
/// reads in-process and what `page-speed` serves to a browser.
/// </summary>
public static class BusyDaySeeder
{
    public static readonly (string Queue, int Share)[] Queues =
        [("support", 30), ("support-exceptions", 15), ("finance", 15), ("policy-legal", 12), ("security", 10), ("brand", 8), ("spot-check", 10)];

    /// <summary>The biggest queue.</summary>
    public static string Busiest => Queues[0].Queue;

    private static readonly string[] Reviewers = ["rita", "felix", "mia", "sam"];

    /// <summary>
    /// The app's schema in the file at <paramref name="path"/>, then <paramref name="cases"/> cases (all new, unless
    /// <paramref name="reuse"/> and the file already holds that many), then ANALYZE.
    /// </summary>
    public static async Task PrepareAsync(string path, int cases, bool reuse, string root)
    {
        var policy = PolicyLoader.Load(await File.ReadAllTextAsync(Path.Combine(root, "assets", "policies", "default.yaml"))).Policy
            ?? throw new InvalidOperationException("The default policy does not load.");
        var fresh = !reuse || !File.Exists(path) || await CountAsync(path) != cases;
        if (fresh)
        {
            foreach (var f in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(f);
            }
        }
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Logging.ClearProviders();
        builder.AddWorkbenchData();
        using (var host = builder.Build())
        {
            await host.Services.MigrateWorkbenchDatabaseAsync();
        }
        if (fresh)
        {
            var watch = Stopwatch.StartNew();
            await SeedAsync(path, cases, policy, root);
            Console.WriteLine($"Seeded {cases:N0} open cases (+ {cases:N0} evaluations, {cases * 3:N0} review actions, {cases * 6:N0} audit events) in {watch.Elapsed.TotalSeconds:N1} s; file {new FileInfo(path).Length / 1024 / 1024:N0} MiB.");
        }
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE;";
        await analyze.ExecuteNonQueryAsync();
    }

    private sealed record Sample(string Workflow, string TaskType, int Tier, string Request, string RequesterId, bool Authenticated,
        string CallbackUrl, JsonObject Json, string[] ReasonCodes, string TraceJson, string ReasonCodesJson);

    private static List<Sample> LoadSamples(string root, CompiledPolicy policy)
    {
        var now = DateTimeOffset.UtcNow;
        var shift = now - new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        var samples = new List<Sample>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "assets", "samples", "cases"), "*.json").Order(StringComparer.Ordinal))
        {
            var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            foreach (var e in json["evidence"]?.AsArray() ?? [])
            {
                if (e?["publishedAt"]?.GetValue<string>() is { } published)
                {
                    e["publishedAt"] = (DateTimeOffset.Parse(published, CultureInfo.InvariantCulture) + shift).ToString("O");
                }
            }
            var submission = json.Deserialize<CaseSubmission>(WorkbenchJson.Options)!;
            var decision = policy.Evaluate(submission, Guid.NewGuid(), now, "demo-agent"); // the client each row names, as intake would
            samples.Add(new Sample(submission.Workflow, submission.TaskType, decision.RiskTier, submission.Request, submission.Requester.Id,
                decision.RequesterAuthenticated, submission.CallbackUrl ?? "", json,
                [.. decision.ReasonCodes], JsonSerializer.Serialize(decision.Trace, WorkbenchJson.Options),
                JsonSerializer.Serialize(decision.ReasonCodes, WorkbenchJson.Options)));
        }
        return samples;
    }

    /// <summary>Raw ADO.NET in one transaction: EF's change tracker would spend minutes on a million rows.</summary>
    private static async Task SeedAsync(string path, int count, CompiledPolicy policy, string root)
    {
        var samples = LoadSamples(root, policy);
        var codes = policy.ReasonCodes.Keys.Order(StringComparer.Ordinal).ToArray();
        var random = new Random(42);
        var now = DateTimeOffset.UtcNow;
        var totalShare = Queues.Sum(q => q.Share);

        var bulk = await OpenBulkAsync(path);
        await using var connection = bulk.Connection;
        await using var tx = bulk.Transaction;

        var insertCase = Command(connection, tx, "cases",
            "Id", "ClientId", "ExternalId", "Workflow", "TaskType", "RiskTier", "Status", "Queue", "Priority", "ReleaseOutcome", "ExecuteOutcome",
            "ReasonCodes", "SlaDueAt", "ApprovalsRequired", "SpotCheck", "RequesterId", "RequesterAuthenticated", "RequestPreview", "SubmissionJson",
            "CallbackUrl", "PolicyVersion", "CreatedAt", "UpdatedAt", "ClaimedBy", "ClaimExpiresAt", "AssignedTo", "ApprovedBy", "Revision", "SlaState");
        var insertEvaluation = Command(connection, tx, "policy_evaluations",
            "CaseId", "Release", "Execute", "ReasonCodesJson", "Queue", "Priority", "SlaDueAt", "ApprovalsRequired", "RiskTier", "AutonomyStage",
            "SpotCheck", "PolicyVersion", "TraceJson", "EvaluatedAt");
        var insertAction = Command(connection, tx, "review_actions", "CaseId", "Kind", "Reviewer", "At", "Question", "FromQueue", "TargetQueue", "Note");
        var insertAudit = Command(connection, tx, "audit_events", "Sequence", "PrevHash", "Hash", "CaseId", "Type", "Actor", "ActorRole", "At", "DataJson");
        var chain = new AuditCanonicalForm.Hasher();
        var head = new AuditEventRecord { Type = "", Actor = "", ActorRole = "", DataJson = "", Hash = AuditCanonicalForm.Genesis };

        for (var i = 0; i < count; i++)
        {
            var sample = samples[random.Next(samples.Count)];
            var id = Guid.NewGuid();
            var idText = id.ToString().ToUpperInvariant(); // how EF Core stores a Guid on SQLite
            var pick = random.Next(totalShare);
            var queue = Queues.First(q => (pick -= q.Share) < 0).Queue;
            var created = now - TimeSpan.FromMinutes(random.Next(5, 72 * 60));
            var sla = now + TimeSpan.FromMinutes(random.Next(-120, 48 * 60));
            var claimed = random.Next(100) < 8 ? Reviewers[random.Next(Reviewers.Length)] : null;
            var assigned = claimed is null && random.Next(100) < 3 ? Reviewers[random.Next(Reviewers.Length)] : null;
            var priority = random.Next(100) switch { < 10 => CasePriority.Low, < 70 => CasePriority.Normal, < 92 => CasePriority.High, _ => CasePriority.Urgent };
            // The sample's own reasons, plus now and then another, so a reason filter matches a realistic share.
            var reasons = sample.ReasonCodes.Length > 0 && random.Next(3) > 0 ? sample.ReasonCodes.ToList() : [codes[random.Next(codes.Length)]];
            if (random.Next(4) == 0)
            {
                reasons.Add(codes[random.Next(codes.Length)]);
            }
            var externalId = $"bench-{i:D6}";
            sample.Json["externalId"] = externalId;

            Run(insertCase, idText, "demo-agent", externalId, sample.Workflow, sample.TaskType, sample.Tier,
                claimed is null ? "queued" : "in_review", queue, (int)priority, "handoff", "handoff",
                $" {string.Join(' ', reasons.Distinct())} ", sla.UtcTicks, 1, 0, sample.RequesterId, sample.Authenticated ? 1 : 0,
                sample.Request.Length > 500 ? sample.Request[..500] : sample.Request, sample.Json.ToJsonString(WorkbenchJson.Options),
                sample.CallbackUrl, policy.Version, created.UtcTicks, created.UtcTicks, claimed,
                claimed is null ? null : (now + TimeSpan.FromMinutes(10)).UtcTicks, assigned, " ", 9, "on_track");
            Run(insertEvaluation, idText, "handoff", "handoff", sample.ReasonCodesJson, queue, (int)priority, sla.UtcTicks, 1, sample.Tier,
                "auto", 0, policy.Version, sample.TraceJson, created.UtcTicks);
            var reviewer = Reviewers[random.Next(Reviewers.Length)];
            Run(insertAction, idText, "request_info", reviewer, (created + TimeSpan.FromMinutes(3)).UtcTicks,
                "Which order number is this about, and was the first charge captured?", null, null, null);
            Run(insertAction, idText, "route", reviewer, (created + TimeSpan.FromMinutes(9)).UtcTicks, null, "support", queue,
                "Needs a specialist: the evidence disagrees with the current policy.");
            Run(insertAction, idText, "approve", Reviewers[random.Next(Reviewers.Length)], (created + TimeSpan.FromMinutes(14)).UtcTicks,
                null, null, null, "First approval of two: the refund amount matches the order.");
            string[] types = ["case.submitted", "case.claimed", "case.info_requested", "case.info_received", "case.routed", "case.approved"];
            for (var e = 0; e < types.Length; e++)
            {
                // Chained as the app chains them, so the seeded database verifies.
                var ev = new AuditEventRecord
                {
                    Sequence = head.Sequence + 1,
                    PrevHash = head.Hash,
                    CaseId = id,
                    Type = types[e],
                    Actor = e == 0 ? "demo-agent" : reviewer,
                    ActorRole = e == 0 ? "client" : "reviewer",
                    At = AuditCanonicalForm.Truncate(created + TimeSpan.FromMinutes(e * 3)),
                    DataJson = $"{{\"queue\":\"{queue}\",\"step\":{e}}}",
                };
                ev.Hash = chain.HashHex(ev);
                head = ev;
                Run(insertAudit, ev.Sequence, ev.PrevHash, ev.Hash, idText, ev.Type, ev.Actor, ev.ActorRole, ev.At.UtcTicks, ev.DataJson);
            }
        }
        await tx.CommitAsync();
    }

    /// <summary>A connection to the file with one transaction open, for a bulk insert: no fsync at the commit (a benchmark's database).</summary>
    internal static async Task<(SqliteConnection Connection, SqliteTransaction Transaction)> OpenBulkAsync(string path)
    {
        var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=OFF;";
            await pragma.ExecuteNonQueryAsync();
        }
        return (connection, (SqliteTransaction)await connection.BeginTransactionAsync());
    }

    /// <summary>A prepared INSERT of <paramref name="columns"/> into <paramref name="table"/>, run with <see cref="Run"/>.</summary>
    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string table, params string[] columns)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        for (var i = 0; i < columns.Length; i++)
        {
            cmd.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }
        cmd.Prepare();
        return cmd;
    }

    internal static void Run(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// <paramref name="count"/> cases picked at random; with <paramref name="queues"/>, only cases waiting (not claimed) in
    /// those queues and not due within the hour — cases a reviewer of those queues would open, which the SLA monitor
    /// will not escalate to another queue while a benchmark runs.
    /// </summary>
    public static async Task<List<Guid>> RandomIdsAsync(string path, int count, IReadOnlyCollection<string>? queues = null)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        var where = "";
        if (queues is not null)
        {
            where = $"WHERE \"Status\" = 'queued' AND \"SlaDueAt\" > $due AND \"Queue\" IN ({string.Join(", ", queues.Select((_, i) => $"$q{i}"))}) ";
            cmd.Parameters.AddWithValue("$due", DateTimeOffset.UtcNow.AddHours(1).UtcTicks);
            foreach (var (queue, i) in queues.Select((q, i) => (q, i)))
            {
                cmd.Parameters.AddWithValue($"$q{i}", queue);
            }
        }
        cmd.CommandText = $"SELECT Id FROM cases {where}ORDER BY random() LIMIT {count}";
        var ids = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(Guid.Parse(reader.GetString(0)));
        }
        return ids;
    }

    /// <summary>How many cases the file holds.</summary>
    public static async Task<long> CountAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM cases";
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
