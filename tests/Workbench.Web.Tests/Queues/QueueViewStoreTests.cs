using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Web.Queues;

namespace Workbench.Web.Tests.Queues;

/// <summary>Saved queue views and the remembered density, stored per person in the real SQLite database.</summary>
public sealed class QueueViewStoreTests : IAsyncLifetime
{
    private readonly WorkbenchFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private QueueViewStore Store => _app.Services.GetRequiredService<QueueViewStore>();

    private static readonly QueueFilter Tier1Unclaimed = new() { Tier = 1, Claim = ClaimFilter.Unclaimed, ReasonCode = "STALE_EVIDENCE", Text = "refund" };

    private Task<int> RowsAsync() => _app.WithDbAsync(db => db.SavedQueueViews.CountAsync());

    [Fact]
    public async Task A_saved_view_comes_back_with_its_filters_sort_and_density_for_its_owner_only()
    {
        Assert.Null(await Store.SaveAsync("rita", "  Fresh refunds  ", Tier1Unclaimed, QueueOrder.Newest, QueueDensity.Comfortable));

        var view = Assert.Single(await Store.ListAsync("rita"));
        Assert.Equal("Fresh refunds", view.Name);
        Assert.Equal(Tier1Unclaimed, view.Filter);
        Assert.Equal(QueueOrder.Newest, view.Order);
        Assert.Equal(QueueDensity.Comfortable, view.Density);
        Assert.Empty(await Store.ListAsync("mia"));
        // Another person may use the same name: names are unique per person.
        Assert.Null(await Store.SaveAsync("mia", "Fresh refunds", QueueFilter.None, QueueOrder.Sla, QueueDensity.Compact));
    }

    [Theory]
    [InlineData(null, "Give the view a name.")]
    [InlineData("   ", "Give the view a name.")]
    [InlineData("FRESH REFUNDS", "You already have a view named \"FRESH REFUNDS\"")]
    public async Task A_missing_or_duplicate_name_is_refused_with_a_message_and_writes_nothing(string? name, string message)
    {
        Assert.Null(await Store.SaveAsync("rita", "Fresh refunds", Tier1Unclaimed, QueueOrder.Newest, QueueDensity.Compact));

        var problem = await Store.SaveAsync("rita", name, QueueFilter.None, QueueOrder.Sla, QueueDensity.Compact);

        Assert.NotNull(problem);
        Assert.Contains(message, problem.Message);
        Assert.Equal(1, await RowsAsync());
    }

    [Fact]
    public async Task A_name_over_sixty_characters_is_refused_and_writes_nothing()
    {
        var problem = await Store.SaveAsync("rita", new string('x', QueueViewStore.MaxNameLength + 1), QueueFilter.None, QueueOrder.Sla, QueueDensity.Compact);

        Assert.Equal("A view's name is at most 60 characters; this one has 61.", problem?.Message);
        Assert.Equal(0, await RowsAsync());
        Assert.Null(await Store.SaveAsync("rita", new string('x', QueueViewStore.MaxNameLength), QueueFilter.None, QueueOrder.Sla, QueueDensity.Compact));
    }

    [Fact]
    public async Task Rename_checks_the_name_like_save_and_delete_removes_only_the_owners_view()
    {
        Assert.Null(await Store.SaveAsync("rita", "Mine", QueueFilter.None, QueueOrder.Sla, QueueDensity.Compact));
        Assert.Null(await Store.SaveAsync("rita", "Other", QueueFilter.None, QueueOrder.Newest, QueueDensity.Compact));
        var mine = (await Store.ListAsync("rita")).Single(v => v.Name == "Mine");

        Assert.Contains("already have a view named", (await Store.RenameAsync("rita", mine.Id, "other"))?.Message);
        Assert.Equal("Give the view a name.", (await Store.RenameAsync("rita", mine.Id, ""))?.Message);
        Assert.Equal(["Mine", "Other"], (await Store.ListAsync("rita")).Select(v => v.Name));
        // Someone else's id is not his to rename or delete.
        Assert.NotNull(await Store.RenameAsync("mia", mine.Id, "Stolen"));
        Assert.NotNull(await Store.DeleteAsync("mia", mine.Id));

        Assert.Null(await Store.RenameAsync("rita", mine.Id, "Morning"));
        Assert.Equal(["Morning", "Other"], (await Store.ListAsync("rita")).Select(v => v.Name));
        Assert.Null(await Store.DeleteAsync("rita", mine.Id));
        Assert.Equal(["Other"], (await Store.ListAsync("rita")).Select(v => v.Name));
    }

    [Fact]
    public async Task Density_is_compact_until_a_person_chooses_and_is_remembered_per_person()
    {
        Assert.Equal(QueueDensity.Compact, await Store.DensityAsync("rita"));
        await Store.SetDensityAsync("rita", QueueDensity.Comfortable);
        Assert.Equal(QueueDensity.Comfortable, await Store.DensityAsync("rita"));
        Assert.Equal(QueueDensity.Compact, await Store.DensityAsync("mia"));
        await Store.SetDensityAsync("rita", QueueDensity.Compact);
        Assert.Equal(QueueDensity.Compact, await Store.DensityAsync("rita"));
    }

    [Fact]
    public void Sort_tokens_round_trip_and_an_unknown_token_is_the_sla_order()
    {
        foreach (var order in QueueOrder.All)
        {
            Assert.Same(order, QueueOrder.Of(order.Token));
        }
        Assert.Same(QueueOrder.Sla, QueueOrder.Of(null));
        Assert.Same(QueueOrder.Sla, QueueOrder.Of("'; drop table cases"));
        Assert.Equal((QueueSort.Age, false), (QueueOrder.Newest.Sort, QueueOrder.Newest.Descending));
    }
}
