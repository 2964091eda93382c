using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Core.Audit;
using Workbench.Data;
using Workbench.Web.Auditing;

namespace Workbench.Testing.Providers;

/// <summary>
/// The hash chain against a real database: events are chained as they are written, verification walks the chain,
/// and an attacker who drops the trigger and changes, deletes or moves one row is named, row and kind. Run on SQLite by
/// the web tests and on PostgreSQL by the system tests.
/// </summary>
public abstract class AuditChainTestsBase : IAsyncLifetime
{
    protected WorkbenchFactory App { get; private set; } = null!;

    protected abstract WorkbenchFactory CreateApp();
    protected abstract string DropTriggersSql { get; }

    public Task InitializeAsync()
    {
        App = CreateApp();
        _ = App.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    protected async Task<AuditVerifyResult> VerifyAsync()
    {
        var admin = await App.SignedInAs("adam");
        var response = await admin.GetAsync("/api/v1/audit/verify");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AuditVerifyResult>(WorkbenchJson.Options))!;
    }

    /// <summary>Four cases submitted: four chained events, sequence 1 to 4.</summary>
    protected async Task<List<(long Id, long Sequence)>> FourEventsAsync()
    {
        for (var i = 0; i < 4; i++)
        {
            await App.SubmitSampleAsync(Samples.Queues);
        }
        var rows = await App.WithDbAsync(db => db.AuditEvents.OrderBy(a => a.Sequence).Select(a => new { a.Id, a.Sequence }).ToListAsync());
        Assert.Equal([1L, 2L, 3L, 4L], rows.Select(r => r.Sequence));
        return rows.Select(r => (r.Id, r.Sequence)).ToList();
    }

    protected Task TamperAsync(string sql) => App.WithDbAsync(async db =>
    {
        await db.Database.ExecuteSqlRawAsync(DropTriggersSql);
        return await db.Database.ExecuteSqlRawAsync(sql);
    });

    [Fact]
    public async Task Events_are_chained_as_written_and_the_chain_verifies()
    {
        var rows = await FourEventsAsync();
        var events = await App.WithDbAsync(db => db.AuditEvents.AsNoTracking().OrderBy(a => a.Sequence).ToListAsync());
        Assert.Equal(AuditCanonicalForm.Genesis, events[0].PrevHash);
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Hash, events[i].PrevHash);
            Assert.Equal(AuditCanonicalForm.Hash(events[i]), events[i].Hash);
        }
        // The article's event schema, filled from the submission and the policy decision.
        var first = events[0];
        Assert.Equal(2, first.RiskTier);
        Assert.NotNull(first.ModelVersion);
        Assert.NotNull(first.PromptVersion);
        Assert.NotNull(first.RetrievalIndexVersion);
        Assert.Contains("MULTI_POLICY_CONFLICT", first.ReasonCodes);
        Assert.StartsWith("[", first.EvidenceIds);
        Assert.NotNull(first.PolicyVersion);

        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Break?.Message);
        Assert.Equal(rows.Count, result.EventsChecked);
        Assert.Equal(events[^1].Hash, result.HeadHash);
    }

    [Fact]
    public async Task A_changed_row_is_named()
    {
        var rows = await FourEventsAsync();
        await TamperAsync("UPDATE audit_events SET \"Actor\" = 'mallory' WHERE \"Sequence\" = 2");

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(("changed", 2L, (long?)rows[1].Id), (result.Break!.Kind, result.Break.Sequence, result.Break.EventId));
    }

    [Fact]
    public async Task A_deleted_row_is_named()
    {
        var rows = await FourEventsAsync();
        await TamperAsync("DELETE FROM audit_events WHERE \"Sequence\" = 2");

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(("deleted", 2L), (result.Break!.Kind, result.Break.Sequence));
        Assert.Equal(rows[2].Id, result.Break.EventId); // where the chain goes on
        Assert.Contains("Event 2 is missing", result.Break.Message);
    }

    [Fact]
    public async Task A_moved_row_is_named()
    {
        var rows = await FourEventsAsync();
        // Swap the places of events 2 and 3 (through a free number: the sequence is unique).
        await TamperAsync("UPDATE audit_events SET \"Sequence\" = -2 WHERE \"Sequence\" = 2");
        await TamperAsync("UPDATE audit_events SET \"Sequence\" = 2 WHERE \"Sequence\" = 3");
        await TamperAsync("UPDATE audit_events SET \"Sequence\" = 3 WHERE \"Sequence\" = -2");

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(("reordered", 2L, (long?)rows[2].Id), (result.Break!.Kind, result.Break.Sequence, result.Break.EventId));
    }

    [Fact]
    public async Task A_recomputed_chain_is_named_by_the_last_verification()
    {
        // An attacker who changes a row and recomputes every hash after it leaves a self-consistent chain; the head
        // that the last verification recorded is what gives it away.
        await FourEventsAsync();
        Assert.True((await VerifyAsync()).Intact);
        var last = await App.WithDbAsync(db => db.AuditEvents.OrderByDescending(a => a.Sequence).FirstAsync());
        await TamperAsync($"DELETE FROM audit_events WHERE \"Id\" = {last.Id}");

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(("truncated", 4L), (result.Break!.Kind, result.Break.Sequence));
    }

    [Fact]
    public async Task The_database_refuses_to_change_or_delete_an_audit_event()
    {
        await FourEventsAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => App.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"Actor\" = 'mallory' WHERE \"Sequence\" = 2")));
        await Assert.ThrowsAnyAsync<Exception>(() => App.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("DELETE FROM audit_events WHERE \"Sequence\" = 2")));
        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Concurrent_writers_and_a_failed_save_leave_one_gapless_chain()
    {
        // A duplicate externalId fails its transaction after the chain gave its event a place: the place is not lost.
        var body = Samples.Json(Samples.Queues).ToJsonString();
        var tasks = Enumerable.Range(0, 24).Select(i => App.ApiClient().PostAsync("/api/v1/cases",
            new StringContent(i % 6 == 0 ? body : Samples.Json(Samples.Queues).ToJsonString(), System.Text.Encoding.UTF8, "application/json")));
        var responses = await Task.WhenAll(tasks);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Conflict);
        await App.SubmitSampleAsync(Samples.Queues);

        var result = await VerifyAsync();
        var (cases, audit, _, _) = await App.RowCountsAsync();

        Assert.True(result.Intact, result.Break?.Message);
        Assert.Equal(cases, audit);
        Assert.Equal(audit, result.EventsChecked);
    }
}
