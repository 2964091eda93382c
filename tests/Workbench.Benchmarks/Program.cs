using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "intake")
{
    return await Workbench.Benchmarks.IntakeLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "intake-paced")
{
    return await Workbench.Benchmarks.IntakePaced.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "audit-verify")
{
    return await Workbench.Benchmarks.AuditVerifyLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "audit-verifier")
{
    return await Workbench.Benchmarks.AuditVerifierLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "live-latency")
{
    return await Workbench.Benchmarks.LiveLoad.LatencyAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "live-soak")
{
    return await Workbench.Benchmarks.LiveLoad.SoakAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "board")
{
    return await Workbench.Benchmarks.BoardLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "board-alerts")
{
    return await Workbench.Benchmarks.BoardAlertsLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "simulation")
{
    return await Workbench.Benchmarks.SimulationLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "webhooks")
{
    return await Workbench.Benchmarks.WebhookLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "soak")
{
    return await Workbench.Benchmarks.SoakLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "review-pages")
{
    return await Workbench.Benchmarks.ReviewPagesLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "page-speed")
{
    return await Workbench.Benchmarks.PageSpeedLoad.RunAsync(args[1..]);
}

// Sized to finish in a few minutes on a shared 2-core machine. Every benchmark is single-threaded, so it measures
// one core; it is not pinned (WithAffinity) because on a shared machine a pinned core may be the busy one.
// Benchmarks report, they never gate a build.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8).WithId("Short"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.OperationsPerSecond)
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(Workbench.Benchmarks.PolicyBenchmarks).Assembly).Run(args, config);
return 0;
