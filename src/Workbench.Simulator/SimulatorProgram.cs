namespace Workbench.Simulator;

/// <summary><c>dotnet run --project src/Workbench.Simulator -- --rate 50 --duration 1m --reviewers 5</c></summary>
public static class SimulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(SimulatorOptions.Usage);
            return 0;
        }
        SimulatorOptions options;
        Simulation simulation;
        try
        {
            options = SimulatorOptions.Parse(args);
            simulation = new Simulation(options, handlerFactory: null, Console.Out);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"simulator: {e.Message}");
            return 2;
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C: stop submitting and print the table; a second one kills the process as usual.
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };
        Console.WriteLine($"Simulating against {options.BaseAddress}: {options.Rate:0.#}/s {options.Profile.ToString().ToLowerInvariant()}, " +
            $"{(options.Count is { } c ? $"{c} cases" : $"{options.Duration!.Value.TotalSeconds:0} s")}, {options.ApiKeys.Count} AI system(s), " +
            $"{options.Reviewers} reviewer(s){(options.WebhookPort is { } p ? $", webhooks on 127.0.0.1:{p}" : "")}");
        var stats = await simulation.RunAsync(stop.Token);
        return stats.Accepted > 0 ? 0 : 1;
    }
}
