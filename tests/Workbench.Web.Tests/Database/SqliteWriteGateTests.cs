using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Data;

namespace Workbench.Web.Tests.Database;

/// <summary>
/// Found by the simulator (50 cases/s with five reviewers): two reviewers racing for one case give a concurrency
/// exception, and the SQLite write gate was never given back, so every later write of the app waited forever.
/// </summary>
public sealed class SqliteWriteGateTests
{
    [Fact]
    public async Task A_concurrency_conflict_gives_the_write_gate_back()
    {
        await using var app = new WorkbenchFactory();
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

        await using (var first = await factory.CreateDbContextAsync())
        await using (var second = await factory.CreateDbContextAsync())
        {
            var a = await first.Cases.SingleAsync(c => c.Id == id);
            var b = await second.Cases.SingleAsync(c => c.Id == id);
            a.AssignedTo = "rita";
            a.Revision++;
            await first.SaveChangesAsync();
            b.AssignedTo = "mia";
            b.Revision++;
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
        }

        await using var third = await factory.CreateDbContextAsync();
        var c = await third.Cases.SingleAsync(x => x.Id == id);
        c.AssignedTo = "sam";
        c.Revision++;
        Assert.Equal(1, await third.SaveChangesAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        // And the API still writes.
        await app.SubmitSampleAsync(Samples.Proceeds).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_concurrency_conflict_in_an_audited_save_gives_the_audit_chain_back()
    {
        await using var app = new WorkbenchFactory();
        var id = (await app.SubmitSampleAsync(Samples.Queues)).Id;
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

        await using (var first = await factory.CreateDbContextAsync())
        await using (var second = await factory.CreateDbContextAsync())
        {
            var a = await first.Cases.SingleAsync(c => c.Id == id);
            var b = await second.Cases.SingleAsync(c => c.Id == id);
            a.AssignedTo = "rita";
            a.Revision++;
            first.AuditEvents.Add(Web.Cases.Audit.Event("case.assigned", "lena", "lead", DateTimeOffset.UtcNow, id, new { to = "rita" }, "t1"));
            await first.SaveChangesAsync();
            b.AssignedTo = "mia";
            b.Revision++;
            second.AuditEvents.Add(Web.Cases.Audit.Event("case.assigned", "lena", "lead", DateTimeOffset.UtcNow, id, new { to = "mia" }, "t2"));
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
        }

        // The next audited writes go through, and the chain has no gap where the refused event was.
        await app.SubmitSampleAsync(Samples.Proceeds).WaitAsync(TimeSpan.FromSeconds(20));
        await using var third = await factory.CreateDbContextAsync();
        third.AuditEvents.Add(Web.Cases.Audit.Event("case.viewed", "lena", "lead", DateTimeOffset.UtcNow, id, new { }, "t3"));
        Assert.Equal(1, await third.SaveChangesAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        var sequences = await app.WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync());
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
    }
}
