using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Testing.Providers;

namespace Workbench.Web.Tests.Sla;

public sealed class BoardCostAggregatesTests : BoardCostAggregatesTestsBase
{
    protected override WorkbenchFactory CreateApp(Action<IServiceCollection> services) => new() { TestServices = services };

    /// <summary>The migration's back-fill recomputes the table from the cases and actions alone: spoil it, back-fill, same rows and costs.</summary>
    protected override async Task AfterCostsMatchedAsync()
    {
        var before = await CostRowsAsync();
        Assert.True(before.Count > 20, "the table must hold the data set");
        await App.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
            "DELETE FROM board_cost_days WHERE rowid % 3 = 0; UPDATE board_cost_days SET \"ReviewActions\" = \"ReviewActions\" + 1, \"ModelCostMicros\" = 7;"));
        Assert.NotEqual(before, await CostRowsAsync());
        await App.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(BoardAggregateSql.Sqlite.CostBackfill));
        Assert.Equal(before, await CostRowsAsync());
        Assert.Equal(await PlainCostsAsync(), Describe((await Alerts.SnapshotAsync(TimeSpan.FromMinutes(12))).Costs));
    }

    private Task<List<string>> CostRowsAsync() => App.WithDbAsync(async db =>
        // Rows that went back to zero (their cases moved away) stay behind the triggers; the back-fill does not write them.
        (await db.Set<BoardCostDayRecord>().Where(d => d.Resolved != 0 || d.ReviewActions != 0 || d.ModelCostMicros != 0).ToListAsync())
            .Select(d => $"{d.Day:O} {d.ReleaseOutcome} {d.ExecuteOutcome} '{d.Currency}' {d.Resolved} {d.ModelCostMicros} {d.ReviewActions}")
            .Order(StringComparer.Ordinal).ToList());
}
