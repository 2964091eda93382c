using Microsoft.EntityFrameworkCore;
using Workbench.Contracts;
using Workbench.Simulator;

namespace Workbench.Web.Tests.Simulator;

public sealed class SimulatorTests
{
    [Fact]
    public async Task A_short_simulation_with_reviewers_matches_the_database()
    {
        await using var app = new WorkbenchFactory();
        _ = app.Server;
        var options = new SimulatorOptions
        {
            BaseAddress = new Uri("http://localhost/"),
            Rate = 30,
            Count = 60,
            Drain = TimeSpan.FromSeconds(8),
            Reviewers = 3,
            ReviewerNames = ["lena", "rita", "mia"],
            HandleMedian = TimeSpan.FromMilliseconds(40),
            HandleSigma = 0.3,
            WithdrawShare = 0.1,
            OutcomeShare = 1,
            Seed = 11,
            RunId = "t" + Guid.NewGuid().ToString("N")[..8],
            Quiet = true,
        };
        var output = new StringWriter();

        var stats = await new Simulation(options, () => app.Server.CreateHandler(), output).RunAsync(CancellationToken.None);

        Assert.True(stats.ErrorCount == 0, output.ToString());
        Assert.Equal(60, stats.Submitted);
        Assert.Equal(60, stats.Accepted);
        Assert.True(stats.ReviewDecided > 0, output.ToString());
        Assert.True(stats.Delivered > 0, output.ToString());
        Assert.True(stats.OutcomesReported > 0, output.ToString());
        Assert.Contains("accepted (201)", output.ToString());

        var prefix = $"sim-{options.RunId}-";
        var db = await app.WithDbAsync(async db => new
        {
            Ids = await db.Cases.Where(c => c.ExternalId.StartsWith(prefix)).Select(c => c.Id).ToListAsync(),
            Decided = await db.Cases.CountAsync(c => c.ExternalId.StartsWith(prefix) && c.Status == CaseStatus.Decided),
            Withdrawn = await db.Cases.CountAsync(c => c.ExternalId.StartsWith(prefix) && c.Status == CaseStatus.Withdrawn),
            Outcomes = await db.DownstreamOutcomes.CountAsync(),
            Replies = await db.AuditEvents.CountAsync(a => a.Type == "case.reply_received"),
            Submitted = await db.AuditEvents.CountAsync(a => a.Type == "case.submitted"),
        });
        Assert.Equal(stats.AcceptedCases.Keys.Order(), db.Ids.Order());
        Assert.Equal(60, db.Submitted);
        Assert.Equal(stats.ReviewDecided, db.Decided);
        Assert.Equal(stats.Withdrawn, db.Withdrawn);
        Assert.Equal(stats.OutcomesReported, db.Outcomes);
        Assert.Equal(stats.Replies, db.Replies);
    }

    [Theory]
    [InlineData("--rate", "0")]
    [InlineData("--profile", "spiky")]
    [InlineData("--duration", "soon")]
    [InlineData("--bogus", "1")]
    public void Bad_options_are_refused_with_a_message(string name, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => SimulatorOptions.Parse([name, value]));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Options_parse_durations_profiles_and_several_agents()
    {
        var o = SimulatorOptions.Parse(["--rate", "50", "--profile", "burst", "--duration", "2m", "--api-key", "a", "--api-key", "b", "--reviewers", "4", "--handle-median", "500ms"]);
        Assert.Equal(50, o.Rate);
        Assert.Equal(LoadProfile.Burst, o.Profile);
        Assert.Equal(TimeSpan.FromMinutes(2), o.Duration);
        Assert.Equal(["a", "b"], o.ApiKeys);
        Assert.Equal(4, o.Reviewers);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.HandleMedian);
        Assert.False(o.DecideOnly);
        Assert.True(SimulatorOptions.Parse(["--decide-only"]).DecideOnly);
    }
}
