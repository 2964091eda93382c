using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workbench.Contracts;
using Workbench.Data;
using Workbench.Data.Entities;

namespace Workbench.Testing.Providers;

/// <summary>
/// A full case written and read back on each provider we can run here: SQLite in the web tests, PostgreSQL in the
/// system tests.
/// </summary>
public abstract class RoundTripTests
{
    protected abstract Task<IServiceProvider> ServicesAsync();

    [Fact]
    public async Task Full_case_round_trips_with_every_part()
    {
        var services = await ServicesAsync();
        await services.MigrateWorkbenchDatabaseAsync();
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var now = new DateTimeOffset(2026, 11, 25, 10, 30, 15, 123, TimeSpan.Zero);
        var id = Guid.NewGuid();

        await using (var db = await factory.CreateDbContextAsync())
        {
            db.Cases.Add(TestCases.FullRecord(id, now));
            db.AuditEvents.Add(new AuditEventRecord { CaseId = id, Type = "case.submitted", Actor = "demo-agent", ActorRole = "client", At = now, DataJson = "{}" });
            await db.SaveChangesAsync();
        }

        await using (var db = await factory.CreateDbContextAsync())
        {
            var read = await db.Cases.Include(c => c.Evaluation).Include(c => c.Actions).SingleAsync(c => c.Id == id);
            var expected = TestCases.FullRecord(id, now);
            Assert.Equal(expected.Status, read.Status);
            Assert.Equal(expected.Priority, read.Priority);
            Assert.Equal(expected.ReleaseOutcome, read.ReleaseOutcome);
            Assert.Equal(expected.ExecuteOutcome, read.ExecuteOutcome);
            Assert.Equal(expected.SlaDueAt, read.SlaDueAt);
            Assert.Equal(expected.CreatedAt, read.CreatedAt);
            Assert.Equal(expected.Decision, read.Decision);
            Assert.Equal(expected.ReasonCodes, read.ReasonCodes);
            Assert.Equal(AutonomyStage.ApproveAll, read.Evaluation!.AutonomyStage);
            Assert.Equal(expected.Evaluation!.TraceJson, read.Evaluation.TraceJson);
            var action = Assert.Single(read.Actions);
            Assert.Equal(ReviewActionKind.ApproveWithEdits, action.Kind);
            Assert.Equal(RootCause.RetrievalMiss, action.RootCause);

            var submission = JsonSerializer.Deserialize<CaseSubmission>(read.SubmissionJson, WorkbenchJson.Options)!;
            var original = TestCases.Submission(expected.ExternalId);
            Assert.Equal(original.Request, submission.Request);
            Assert.Equal(EvidenceAuthority.Authoritative, submission.Evidence[0].Authority);
            Assert.Equal(original.Evidence[0].PublishedAt, submission.Evidence[0].PublishedAt);
            Assert.Equal(ToolStepStatus.Failed, submission.ToolTrace[1].Status);
            Assert.Equal(120.5, submission.Signals["amount"].Number);
            Assert.True(submission.Signals["vip"].Boolean);
            Assert.Equal("A-1042", submission.Proposal.Action!.Parameters!["orderId"].GetString());
            Assert.Equal("de-DE", submission.Metadata!.Value.GetProperty("locale").GetString());
            Assert.Single(await db.AuditEvents.Where(a => a.CaseId == id).ToListAsync());

            // The queue's ordering and filtering run in the database on every provider.
            var due = await db.Cases.Where(c => c.Queue == "finance" && c.SlaDueAt > now).OrderBy(c => c.SlaDueAt).Select(c => c.Id).ToListAsync();
            Assert.Contains(id, due);
        }
    }

    [Fact]
    public async Task Concurrent_edits_of_one_case_conflict_on_the_revision()
    {
        var services = await ServicesAsync();
        await services.MigrateWorkbenchDatabaseAsync();
        var factory = services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        var id = Guid.NewGuid();
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.Cases.Add(TestCases.FullRecord(id, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        }

        await using var first = await factory.CreateDbContextAsync();
        await using var second = await factory.CreateDbContextAsync();
        var a = await first.Cases.SingleAsync(c => c.Id == id);
        var b = await second.Cases.SingleAsync(c => c.Id == id);
        a.ClaimedBy = "rita";
        a.Revision++;
        await first.SaveChangesAsync();
        b.ClaimedBy = "felix";
        b.Revision++;
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
    }

    protected static IServiceProvider Build(string provider, string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:Workbench"] = connectionString,
        });
        builder.AddWorkbenchData();
        return builder.Build().Services;
    }
}
