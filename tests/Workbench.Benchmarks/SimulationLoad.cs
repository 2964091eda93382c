using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workbench.Core.Policy;
using Workbench.Data;
using Workbench.Web.Cases;
using Workbench.Web.Policies;

namespace Workbench.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/Workbench.Benchmarks -- simulation [--cases 100000] [--db path] [--reuse]</c>:
/// seeds stored cases over 30 days in SQLite, then times the policy simulation end to end (read + deserialize +
/// evaluate + fold) of a draft that lowers the finance threshold from 500 to 100, over all 30 days. Target: under 10 s.
/// </summary>
public static class SimulationLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cases = Option(args, "--cases", 100_000);
        var path = OptionText(args, "--db", Path.Combine(Path.GetTempPath(), "wb-simulation.db"));
        var reuse = args.Contains("--reuse");
        var root = Processes.RepositoryRoot();

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "Sqlite";
        builder.Configuration["ConnectionStrings:Workbench"] = $"Data Source={path}";
        builder.Logging.ClearProviders();
        builder.AddWorkbenchData();
        using var host = builder.Build();

        var yaml = await File.ReadAllTextAsync(Path.Combine(root, "assets", "policies", "default.yaml"));
        var policy = PolicyLoader.Load(yaml).Policy ?? throw new InvalidOperationException("The default policy does not load.");
        var draft = PolicyLoader.Load(PolicyService.WithVersion(yaml.Replace("when: signals.amount > 500\n", "when: signals.amount > 100\n", StringComparison.Ordinal), "bench-draft")).Policy
            ?? throw new InvalidOperationException("The draft does not load.");
        var now = DateTimeOffset.UtcNow;
        if (!reuse || !File.Exists(path))
        {
            foreach (var f in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(f);
            }
            await host.Services.MigrateWorkbenchDatabaseAsync();
            var seedWatch = Stopwatch.StartNew();
            await CaseSeeder.SeedAsync(path, policy, cases, now, TimeSpan.FromDays(30), seed: 42, externalIdPrefix: "sim-");
            Console.WriteLine($"Seeded {cases:N0} stored cases over 30 days in {seedWatch.Elapsed.TotalSeconds:N1} s; file {new FileInfo(path).Length / 1024 / 1024:N0} MiB.");
        }

        var active = new ActivePolicy();
        active.Activate(policy);
        var simulator = new PolicySimulator(host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), active, TimeProvider.System,
            Options.Create(new SimulationOptions()));
        Console.WriteLine($"Simulation of {draft.Version} against {policy.Version} over the last 30 days ({Environment.ProcessorCount} cores):");
        for (var run = 1; run <= 3; run++)
        {
            var watch = Stopwatch.StartNew();
            var result = await simulator.RunAsync(draft, now.AddDays(-30).AddMinutes(-1), now.AddMinutes(1), CancellationToken.None);
            watch.Stop();
            Console.WriteLine($"  run {run}: {result.Result.Cases:N0} cases, {result.Result.Changed:N0} changed, {watch.Elapsed.TotalSeconds:N2} s " +
                $"({result.Result.Cases / watch.Elapsed.TotalSeconds:N0} cases/s){(run == 1 ? " (cold)" : "")}");
        }

        // Baseline in the same run: only reading the three columns, no deserialization or evaluation.
        var readWatch = Stopwatch.StartNew();
        var rows = 0;
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var from = now.AddDays(-31);
            await foreach (var _ in db.Cases.AsNoTracking().Where(c => c.CreatedAt >= from).Select(c => new { c.Id, c.SubmissionJson, c.CreatedAt }).AsAsyncEnumerable())
            {
                rows++;
            }
        }
        Console.WriteLine($"  baseline, reading the rows only: {rows:N0} rows in {readWatch.Elapsed.TotalSeconds:N2} s");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    private static string OptionText(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
