using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Testing.Providers;

namespace Workbench.System.Tests.Database;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRoundTripTests(PostgresServer server) : RoundTripTests
{
    protected override async Task<IServiceProvider> ServicesAsync()
    {
        var database = "rt_" + Guid.NewGuid().ToString("N")[..10];
        return await Task.FromResult(Build("Postgres", server.ConnectionString(database)));
    }

    [Fact]
    public async Task A_cases_json_is_stored_compressed_with_lz4_and_every_text_column_compresses_with_lz4()
    {
        var services = await ServicesAsync();
        await services.MigrateWorkbenchDatabaseAsync();
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var id = Guid.NewGuid();
        var record = TestCases.FullRecord(id, DateTimeOffset.UtcNow);
        // Long enough for PostgreSQL to compress it (over 2 KB), as a submission with evidence is.
        record.SubmissionJson = JsonSerializer.Serialize(TestCases.Submission(record.ExternalId) with
        {
            Request = string.Join(" ", Enumerable.Repeat("The customer asks for a refund of order A-1042, delivered damaged.", 80)),
        }, WorkbenchJson.Options);
        await using var db = await factory.CreateDbContextAsync();
        db.Cases.Add(record);
        await db.SaveChangesAsync();

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using (var stored = connection.CreateCommand())
        {
            stored.CommandText = "SELECT pg_column_compression(\"SubmissionJson\") FROM cases WHERE \"Id\" = @id";
            stored.Parameters.Add(new Npgsql.NpgsqlParameter("id", id));
            Assert.Equal("lz4", await stored.ExecuteScalarAsync());
        }
        await using (var columns = connection.CreateCommand())
        {
            columns.CommandText = """
                SELECT c.relname || '.' || a.attname || ' ' || COALESCE(NULLIF(a.attcompression::text, ''), '(default)')
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.atttypid = 'text'::regtype
                ORDER BY 1
                """;
            var all = new List<string>();
            await using var reader = await columns.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                all.Add(reader.GetString(0));
            }
            Assert.Contains("cases.SubmissionJson l", all);
            Assert.All(all, column => Assert.EndsWith(" l", column));
        }
    }
}
