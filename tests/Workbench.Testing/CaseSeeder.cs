using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Workbench.Contracts;
using Workbench.Core.Policy;

namespace Workbench.Testing;

/// <summary>
/// Stores many cases fast (raw ADO.NET, one transaction): the 48 samples with varied amounts, spread over a period,
/// each with the decision the given policy makes at its arrival time — as intake would have stored it. The tests and
/// the benchmarks seed their SQLite databases with it.
/// </summary>
public static class CaseSeeder
{
    /// <param name="externalIdPrefix">Prefix of the externalIds (followed by a 7-digit number); <c>seed-{seed}-</c> when not given.</param>
    public static async Task SeedAsync(string databasePath, CompiledPolicy policy, int count, DateTimeOffset now, TimeSpan span, int seed = 7,
        string? externalIdPrefix = null)
    {
        var random = new Random(seed);
        var prefix = externalIdPrefix ?? $"seed-{seed}-";
        var samples = Samples.Files.Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject()).ToList();
        await using var connection = new SqliteConnection($"Data Source={databasePath}");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            // A database made for a test or a benchmark: no fsync at the commit.
            pragma.CommandText = "PRAGMA synchronous=OFF;";
            await pragma.ExecuteNonQueryAsync();
        }
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        string[] columns = ["Id", "ClientId", "ExternalId", "Workflow", "TaskType", "RiskTier", "Status", "Queue", "Priority", "ReleaseOutcome",
            "ExecuteOutcome", "ReasonCodes", "ApprovalsRequired", "SpotCheck", "RequesterId", "RequesterAuthenticated", "RequestPreview",
            "SubmissionJson", "PolicyVersion", "CreatedAt", "UpdatedAt", "ApprovedBy", "Revision"];
        insert.CommandText = $"INSERT INTO cases ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        foreach (var i in Enumerable.Range(0, columns.Length))
        {
            insert.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }
        insert.Prepare();
        for (var n = 0; n < count; n++)
        {
            var json = (JsonObject)samples[random.Next(samples.Count)].DeepClone();
            json["externalId"] = $"{prefix}{n:D7}";
            if (json["proposal"]?["action"]?["parameters"] is JsonObject parameters && parameters.ContainsKey("amount"))
            {
                parameters["amount"] = random.Next(20, 2000);
            }
            var created = now - TimeSpan.FromSeconds(random.NextDouble() * span.TotalSeconds);
            var submission = json.Deserialize<CaseSubmission>(WorkbenchJson.Options)!;
            var id = Guid.NewGuid();
            var d = policy.Evaluate(submission, id, created, "demo-agent"); // the client each row names, as intake would
            object?[] values =
            [
                id.ToString().ToUpperInvariant(), "demo-agent", submission.ExternalId, submission.Workflow, submission.TaskType, d.RiskTier,
                d.Queue is null ? "auto_approved" : "queued", d.Queue, (int)d.Priority, Snake(d.Release), Snake(d.Execute),
                $" {string.Join(' ', d.ReasonCodes)} ", d.ApprovalsRequired, d.SpotCheck ? 1 : 0, submission.Requester.Id,
                d.RequesterAuthenticated ? 1 : 0, submission.Request.Length > 500 ? submission.Request[..500] : submission.Request,
                JsonSerializer.Serialize(submission, WorkbenchJson.Options), d.PolicyVersion, created.UtcTicks, created.UtcTicks, " ", 1,
            ];
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    private static string Snake<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
