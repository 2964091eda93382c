using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Web.Intake;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// The group commit on a server database (PostgreSQL), where SaveChanges writes the batch. It starts a PostgreSQL
/// cluster, yet runs here rather than in Workbench.System.Tests: it calls the writer's internal group write, and
/// Workbench.Web shows its internals to this project only.
/// </summary>
public sealed class IntakeWriterServerTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private WorkbenchFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Database:Provider"] = "Postgres",
                ["ConnectionStrings:Workbench"] = postgres.ConnectionString("writer_" + Guid.NewGuid().ToString("N")[..10]),
            },
        };
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_refused_case_splits_its_batch_in_halves_not_into_one_commit_per_case()
    {
        var writer = _app.Services.GetRequiredService<IntakeWriter>();
        var taken = IntakeWriterTests.NewCase(_app.Services, key: "taken-" + Guid.NewGuid());
        await writer.WriteAsync(taken.Case, taken.Audit, taken.Key, CancellationToken.None);
        var batch = Enumerable.Range(0, 32).Select(_ => IntakeWriterTests.NewCase(_app.Services, key: "k-" + Guid.NewGuid())).ToList();
        batch[21] = IntakeWriterTests.NewCase(_app.Services, externalId: taken.Case.ExternalId, key: "dup-" + Guid.NewGuid());
        var before = writer.Transactions;

        var results = await writer.WriteTogetherAsync(batch);

        await Assert.ThrowsAsync<DbUpdateException>(() => results[21]);
        for (var i = 0; i < batch.Count; i++)
        {
            if (i != 21)
            {
                await results[i];
            }
        }
        // 32 → 16 + 16 → 8 + 8 → 4 + 4 → 2 + 2 → 1 + 1: 11 transactions; one per case would be 33.
        Assert.InRange(writer.Transactions - before, 2, 11);
        var ids = batch.Select(b => b.Case.Id).ToList();
        Assert.Equal(31, await _app.WithDbAsync(db => db.Cases.CountAsync(c => ids.Contains(c.Id))));
        Assert.Equal(31, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId != null && ids.Contains(a.CaseId.Value))));
        Assert.False(await _app.WithDbAsync(db => db.IdempotencyKeys.AnyAsync(k => k.Key == batch[21].Key!.Key)));
    }
}
