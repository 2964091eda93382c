using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workbench.Web.Policies;
using Workbench.Web.Sla;

namespace Workbench.Web.Tests.Sla;

/// <summary>One reviewer-hour cost for the board and the policy simulation: <c>Board:ReviewerCostPerHour</c>, the older simulation key still read.</summary>
public sealed class ReviewerCostSettingTests
{
    [Theory]
    [InlineData(null, null, 60)]
    [InlineData("75", null, 75)]
    [InlineData(null, "45", 45)]
    [InlineData("75", "45", 75)]
    public void The_board_key_wins_then_the_older_simulation_key_then_60(string? board, string? legacy, int expected)
    {
        var settings = new Dictionary<string, string?>();
        if (board is not null)
        {
            settings["Board:ReviewerCostPerHour"] = board;
        }
        if (legacy is not null)
        {
            settings["Learning:Simulation:ReviewerCostPerHour"] = legacy;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Assert.Equal(expected, BoardOptions.ReviewerCostFrom(configuration));
    }

    [Theory]
    [InlineData("Board:ReviewerCostPerHour")]
    [InlineData("Learning:Simulation:ReviewerCostPerHour")]
    public async Task The_board_and_the_simulation_read_the_same_cost_whichever_key_set_it(string key)
    {
        await using var app = new WorkbenchFactory { Settings = { [key] = "52.5" } };
        Assert.Equal(52.5m, app.Services.GetRequiredService<IOptionsMonitor<BoardOptions>>().CurrentValue.ReviewerCostPerHour);
        Assert.Equal(52.5m, app.Services.GetRequiredService<IOptions<SimulationOptions>>().Value.ReviewerCostPerHour);
    }

    [Fact]
    public async Task Unset_both_cost_the_same_60()
    {
        await using var app = new WorkbenchFactory();
        Assert.Equal(60m, app.Services.GetRequiredService<IOptionsMonitor<BoardOptions>>().CurrentValue.ReviewerCostPerHour);
        Assert.Equal(60m, app.Services.GetRequiredService<IOptions<SimulationOptions>>().Value.ReviewerCostPerHour);
    }
}
