using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workbench.Contracts;

namespace Workbench.Benchmarks;

/// <summary>
/// Intake over HTTP on loopback, load generator included, beside a raw baseline: a minimal ASP.NET Core endpoint
/// that parses the same JSON and inserts it with one INSERT into SQLite (WAL) — the most this machine can do.
/// Usage: dotnet run -c Release --project tests/Workbench.Benchmarks -- intake [--seconds 15] [--concurrency 32] [--rate 500]
/// [--provider sqlite|postgres] (postgres: a throwaway PostgreSQL on a free port, as the tests start it — initdb, pg_ctl,
/// fsync off — for both the app and the baseline, whose one INSERT then goes to PostgreSQL)
/// [--workbench-only] (no baseline: for attaching a profiler to the app process, whose id is printed)
/// [--warmup 200] (sequential requests before each max phase; more lets the JIT's tiering settle before measuring)
/// [--warmup-seconds 0] (before each max phase, that long at full concurrency, not measured: the steady state
/// after the JIT has tiered the hot path up, which the default 200 requests do not reach on 2 cores)
/// [--app-env NAME=VALUE]… (an environment variable for the app process only, e.g. DOTNET_TieredPGO=0: hosting
/// settings measured beside the same baseline, which keeps its own)
/// </summary>
public static class IntakeLoad
{
    private const string DemoKey = "wb_demo_agent_7Qm2VxK9pLr4TzN8aHcE3uYd";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Arg(args, "--seconds", 15);
        var concurrency = Arg(args, "--concurrency", 32);
        var rate = Arg(args, "--rate", 500);
        _warmUp = Arg(args, "--warmup", 200);
        _warmUpSeconds = Arg(args, "--warmup-seconds", 0);
        var workbenchOnly = args.Contains("--workbench-only");
        var appEnv = args.Select((a, i) => (a, i)).Where(x => x.a == "--app-env" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        var providerArg = Array.IndexOf(args, "--provider") is var pi and >= 0 && pi + 1 < args.Length ? args[pi + 1] : "sqlite";
        if (providerArg is not ("sqlite" or "postgres"))
        {
            Console.Error.WriteLine($"intake: --provider is sqlite or postgres, not '{providerArg}'.");
            return 2;
        }
        var postgres = providerArg == "postgres" ? new PostgresServer() : null;
        var store = postgres is null ? "SQLite" : "PostgreSQL";
        var root = Processes.RepositoryRoot();
        var bodies = LoadBodies(root);
        var work = Directory.CreateTempSubdirectory("wb-load-").FullName;
        Console.WriteLine($"Intake load ({store}): {seconds} s per phase, {concurrency} concurrent clients, fixed rate {rate}/s, {_warmUp} warm-up requests{(_warmUpSeconds > 0 ? $" then {_warmUpSeconds} s at full concurrency" : "")}; {Environment.ProcessorCount} cores; {bodies.Length} sample bodies" +
                          (appEnv.Count == 0 ? "" : "; app environment " + string.Join(" ", appEnv.Select(kv => $"{kv.Key}={kv.Value}"))));
        string? appPg = null, rawPg = null;
        try
        {
            if (postgres is not null)
            {
                await postgres.InitializeAsync();
                appPg = postgres.ConnectionString("wb_intake");
                rawPg = postgres.ConnectionString("raw_baseline");
                await using var admin = new NpgsqlConnection(postgres.ConnectionString());
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE wb_intake; ", admin);
                await create.ExecuteNonQueryAsync();
                create.CommandText = "CREATE DATABASE raw_baseline";
                await create.ExecuteNonQueryAsync();
            }
            var appDb = Path.Combine(work, "workbench.db");
            if (workbenchOnly)
            {
                using var alone = StartWorkbench(root, appDb, appPg, appEnv);
                await WaitReadyAsync(alone.Url);
                Console.WriteLine($"Workbench process {alone.ProcessId}");
                var max = await ClosedLoopAsync(alone.Url + "/api/v1/cases", DemoKey, bodies, concurrency, seconds, () => Cpu(alone.ProcessId), () => AppCpu(alone.ProcessId));
                alone.Stop();
                Print($"Workbench POST /api/v1/cases ({store})", $"max, {concurrency} clients", max);
                Console.WriteLine($"CPU per accepted case (app + load generator): {max.CpuPerCase:N0} µs; the app process alone {max.AppCpuPerCase:N0} µs");
                return 0;
            }

            // Raw baseline first, in this process.
            var baselineDb = Path.Combine(work, "baseline.db");
            await using var baseline = await StartBaselineAsync(baselineDb, rawPg);
            var rawMax = await ClosedLoopAsync(baseline.Url + "/ingest", null, bodies, concurrency, seconds, () => Cpu(null), null);
            var rawRate = await OpenLoopAsync(baseline.Url + "/ingest", null, bodies, rate, seconds);
            await baseline.DisposeAsync();
            var rawRows = await CountRowsAsync(baselineDb, rawPg, "SELECT COUNT(*) FROM raw_cases");
            var rawWarm = Interlocked.Exchange(ref _warmUpAccepted, 0);

            using var app = StartWorkbench(root, appDb, appPg, appEnv);
            var starting = Stopwatch.StartNew();
            await WaitReadyAsync(app.Url);
            Console.WriteLine($"Workbench ready {starting.Elapsed.TotalSeconds:N1} s after its process started");
            var wbMax = await ClosedLoopAsync(app.Url + "/api/v1/cases", DemoKey, bodies, concurrency, seconds, () => Cpu(app.ProcessId), () => AppCpu(app.ProcessId));
            var wbRate = await OpenLoopAsync(app.Url + "/api/v1/cases", DemoKey, bodies, rate, seconds);
            app.Stop();
            var wbRows = await CountRowsAsync(appDb, appPg, "SELECT COUNT(*) FROM cases");
            var wbWarm = Interlocked.Exchange(ref _warmUpAccepted, 0);

            Console.WriteLine();
            Console.WriteLine("| target | phase | accepted/s | p50 ms | p95 ms | p99 ms | max ms | accepted | errors |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            var rawLabel = postgres is null ? "raw baseline (parse + 1 INSERT, SQLite WAL)" : "raw baseline (parse + 1 INSERT, PostgreSQL)";
            Print(rawLabel, $"max, {concurrency} clients", rawMax);
            Print(rawLabel, $"fixed {rate}/s", rawRate);
            Print($"Workbench POST /api/v1/cases ({store})", $"max, {concurrency} clients", wbMax);
            Print($"Workbench POST /api/v1/cases ({store})", $"fixed {rate}/s", wbRate);
            Console.WriteLine();
            Console.WriteLine($"Workbench / raw baseline, sustained: {wbMax.PerSecond / rawMax.PerSecond:P0}");
            Console.WriteLine($"CPU per accepted case at max (server + load generator, all cores): raw baseline {rawMax.CpuPerCase:N0} µs, Workbench {wbMax.CpuPerCase:N0} µs " +
                              $"(baseline / Workbench {rawMax.CpuPerCase / wbMax.CpuPerCase:P0}; on {Environment.ProcessorCount} idle cores that is at most " +
                              $"{Environment.ProcessorCount * 1e6 / rawMax.CpuPerCase:N0}/s and {Environment.ProcessorCount * 1e6 / wbMax.CpuPerCase:N0}/s); " +
                              $"the Workbench process alone {wbMax.AppCpuPerCase:N0} µs");
            var wbAnswered = wbMax.Accepted + wbRate.Accepted + wbWarm;
            var rawAnswered = rawMax.Accepted + rawRate.Accepted + rawWarm;
            Console.WriteLine($"Rows committed vs 201s answered (warm-up included): Workbench {wbRows} vs {wbAnswered} ({(wbRows == wbAnswered ? "equal" : "DIFFERENT")}); " +
                              $"baseline {rawRows} vs {rawAnswered} ({(rawRows == rawAnswered ? "equal" : "DIFFERENT")})");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
            Directory.Delete(work, recursive: true);
        }
    }

    internal sealed record Phase(double PerSecond, long Accepted, long Errors, double P50, double P95, double P99, double Max, string? FirstError)
    {
        /// <summary>CPU time (server and load generator together) per accepted case, µs: what a busy shared machine distorts least.</summary>
        public double CpuPerCase { get; init; }

        /// <summary>CPU time of the app process alone per accepted case, µs (Workbench only: the baseline runs in the load generator's process).</summary>
        public double AppCpuPerCase { get; init; }
    }

    private static void Print(string target, string phase, Phase p) =>
        Console.WriteLine($"| {target} | {phase} | {p.PerSecond:N0} | {p.P50:N1} | {p.P95:N1} | {p.P99:N1} | {p.Max:N1} | {p.Accepted:N0} | {p.Errors:N0}{(p.FirstError is null ? "" : " (" + p.FirstError + ")")} |");

    private static byte[][] LoadBodies(string root)
    {
        var files = Directory.GetFiles(Path.Combine(root, "assets", "samples", "cases"), "*.json").Order(StringComparer.Ordinal);
        var shift = DateTimeOffset.UtcNow - new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        return files.Select(f =>
        {
            var json = JsonNode.Parse(File.ReadAllText(f))!.AsObject();
            json["externalId"] = "__EXTERNAL_ID__";
            foreach (var e in json["evidence"]?.AsArray() ?? [])
            {
                if (e?["publishedAt"]?.GetValue<string>() is { } published)
                {
                    e["publishedAt"] = (DateTimeOffset.Parse(published, System.Globalization.CultureInfo.InvariantCulture) + shift).ToString("O");
                }
            }
            return Encoding.UTF8.GetBytes(json.ToJsonString());
        }).ToArray();
    }

    private static long _sequence;

    private static HttpRequestMessage Request(string url, string? key, byte[][] bodies)
    {
        var n = Interlocked.Increment(ref _sequence);
        var template = bodies[n % bodies.Length];
        var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(template).Replace("__EXTERNAL_ID__", $"load-{Environment.ProcessId}-{n}", StringComparison.Ordinal));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        // A random UUID, as clients make their keys (the externalId counts up, as a client system's own ids do).
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        return request;
    }

    private static HttpClient Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>As fast as the server answers: each client sends the next request when the last one returns.</summary>
    private static async Task<Phase> ClosedLoopAsync(string url, string? key, byte[][] bodies, int concurrency, int seconds, Func<TimeSpan> cpu, Func<TimeSpan>? appCpu)
    {
        using var http = Client();
        await WarmUpAsync(http, url, key, bodies);
        if (_warmUpSeconds > 0)
        {
            await WarmUpConcurrentlyAsync(http, url, key, bodies, concurrency, TimeSpan.FromSeconds(_warmUpSeconds));
        }
        var cpuBefore = cpu();
        var appCpuBefore = appCpu?.Invoke() ?? TimeSpan.Zero;
        var latencies = new List<double>[concurrency];
        long accepted = 0, errors = 0;
        string? firstError = null;
        var stop = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(10_000);
            while (stop.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(Request(url, key, bodies));
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                        firstError ??= $"{(int)response.StatusCode}: {Trim(await response.Content.ReadAsStringAsync())}";
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    firstError ??= ex.Message;
                }
            }
        }));
        var cpuUsed = cpu() - cpuBefore;
        var appCpuUsed = (appCpu?.Invoke() ?? TimeSpan.Zero) - appCpuBefore;
        return Summarize(latencies.SelectMany(l => l).ToList(), accepted, errors, stop.Elapsed.TotalSeconds, firstError) with
        {
            CpuPerCase = accepted == 0 ? 0 : cpuUsed.TotalMicroseconds / accepted,
            AppCpuPerCase = accepted == 0 ? 0 : appCpuUsed.TotalMicroseconds / accepted,
        };
    }

    /// <summary>
    /// A steady arrival rate, whatever the server does: latency counts from when a request was due, so a slow
    /// server cannot hide its queueing (no coordinated omission).
    /// </summary>
    internal static async Task<Phase> OpenLoopAsync(string url, string? key, byte[][] bodies, int rate, int seconds)
    {
        using var http = Client();
        var total = rate * seconds;
        var latencies = new double[total];
        long accepted = 0, errors = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        var tasks = new Task[total];
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                try
                {
                    using var response = await http.SendAsync(Request(url, key, bodies));
                    latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                        firstError ??= $"{(int)response.StatusCode}";
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
                    Interlocked.Increment(ref errors);
                    firstError ??= ex.Message;
                }
            });
        }
        await Task.WhenAll(tasks);
        return Summarize(latencies.ToList(), accepted, errors, clock.Elapsed.TotalSeconds, firstError);
    }

    private static long _warmUpAccepted;
    private static int _warmUp = 200;
    private static int _warmUpSeconds;

    private static async Task WarmUpAsync(HttpClient http, string url, string? key, byte[][] bodies)
    {
        for (var i = 0; i < _warmUp; i++)
        {
            using var response = await http.SendAsync(Request(url, key, bodies));
            if (response.StatusCode == HttpStatusCode.Created)
            {
                Interlocked.Increment(ref _warmUpAccepted);
            }
        }
    }

    /// <summary>Full concurrency for a while, not measured (its 201s count with the warm-up's for the row check).</summary>
    private static async Task WarmUpConcurrentlyAsync(HttpClient http, string url, string? key, byte[][] bodies, int concurrency, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                try
                {
                    using var response = await http.SendAsync(Request(url, key, bodies));
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref _warmUpAccepted);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }
            }
        }));
    }

    private static Phase Summarize(List<double> latencies, long accepted, long errors, double seconds, string? firstError)
    {
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        return new Phase(accepted / seconds, accepted, errors, P(0.50), P(0.95), P(0.99), latencies.Count == 0 ? 0 : latencies[^1], firstError);
    }

    private static string Trim(string s) => s.Length > 160 ? s[..160] : s;

    private sealed class Baseline(WebApplication app, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;
        private bool _stopped;

        public async ValueTask DisposeAsync()
        {
            if (!_stopped)
            {
                _stopped = true;
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private static async Task<Baseline> StartBaselineAsync(string dbPath, string? postgres)
    {
        if (postgres is not null)
        {
            return await StartPostgresBaselineAsync(postgres);
        }
        var connectionString = $"Data Source={dbPath};Pooling=true";
        await using (var setup = new SqliteConnection(connectionString))
        {
            await setup.OpenAsync();
            using var cmd = setup.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE raw_cases (id TEXT PRIMARY KEY, external_id TEXT NOT NULL, workflow TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);";
            await cmd.ExecuteNonQueryAsync();
        }
        var port = Processes.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/ingest", async (HttpRequest request) =>
        {
            var submission = await JsonSerializer.DeserializeAsync<CaseSubmission>(request.Body, WorkbenchJson.Options);
            if (submission is null)
            {
                return Results.BadRequest();
            }
            var id = Guid.CreateVersion7();
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA synchronous=NORMAL; INSERT INTO raw_cases (id, external_id, workflow, body, created_at) VALUES ($id, $ext, $wf, $body, $at)";
            cmd.Parameters.AddWithValue("$id", id.ToString());
            cmd.Parameters.AddWithValue("$ext", submission.ExternalId);
            cmd.Parameters.AddWithValue("$wf", submission.Workflow);
            cmd.Parameters.AddWithValue("$body", JsonSerializer.Serialize(submission, WorkbenchJson.Options));
            cmd.Parameters.AddWithValue("$at", DateTime.UtcNow.Ticks);
            await cmd.ExecuteNonQueryAsync();
            return Results.Created($"/ingest/{id}", new { id });
        });
        await app.StartAsync();
        return new Baseline(app, $"http://127.0.0.1:{port}");
    }

    private sealed class AppProcess(Process process, string url) : IDisposable
    {
        public string Url { get; } = url;
        public int ProcessId => process.Id;

        public void Stop()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            Stop();
            process.Dispose();
        }
    }

    /// <summary>The same baseline on PostgreSQL: parse, then one INSERT through a pooled Npgsql data source.</summary>
    private static async Task<Baseline> StartPostgresBaselineAsync(string connectionString)
    {
        var source = NpgsqlDataSource.Create(connectionString);
        await using (var setup = source.CreateCommand("CREATE TABLE raw_cases (id uuid PRIMARY KEY, external_id text NOT NULL, workflow text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL)"))
        {
            await setup.ExecuteNonQueryAsync();
        }
        var port = Processes.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(source.Dispose);
        app.MapPost("/ingest", async (HttpRequest request) =>
        {
            var submission = await JsonSerializer.DeserializeAsync<CaseSubmission>(request.Body, WorkbenchJson.Options);
            if (submission is null)
            {
                return Results.BadRequest();
            }
            var id = Guid.CreateVersion7();
            await using var cmd = source.CreateCommand("INSERT INTO raw_cases (id, external_id, workflow, body, created_at) VALUES ($1, $2, $3, $4, $5)");
            cmd.Parameters.AddWithValue(id);
            cmd.Parameters.AddWithValue(submission.ExternalId);
            cmd.Parameters.AddWithValue(submission.Workflow);
            cmd.Parameters.AddWithValue(JsonSerializer.Serialize(submission, WorkbenchJson.Options));
            cmd.Parameters.AddWithValue(DateTime.UtcNow);
            await cmd.ExecuteNonQueryAsync();
            return Results.Created($"/ingest/{id}", new { id });
        });
        await app.StartAsync();
        return new Baseline(app, $"http://127.0.0.1:{port}");
    }

    private static AppProcess StartWorkbench(string root, string dbPath, string? postgres, IReadOnlyDictionary<string, string> environment)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!; // bin/<Configuration>/net10.0
        var web = Path.Combine(root, "src", "Workbench.Web");
        var dll = Path.Combine(web, "bin", configuration, "net10.0", "Workbench.Web.dll");
        var port = Processes.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--urls", url, "--contentRoot", web })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // the demo API client; demo cases off below
        psi.Environment["Workbench__DemoData__Enabled"] = "false";
        psi.Environment["ConnectionStrings__Workbench"] = postgres ?? $"Data Source={dbPath}";
        if (postgres is not null)
        {
            psi.Environment["Database__Provider"] = "Postgres";
        }
        psi.Environment["Api__RateLimit__PermitsPerSecond"] = "1000000";
        psi.Environment["Api__RateLimit__Burst"] = "1000000";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("[app] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AppProcess(process, url);
    }

    private static async Task WaitReadyAsync(string url)
    {
        using var http = new HttpClient();
        for (var i = 0; i < 240; i++)
        {
            try
            {
                if ((await http.GetAsync(url + "/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("Workbench did not become ready.");
    }

    /// <summary>CPU time of this process (the load generator, and the baseline server when it runs here) plus the app's.</summary>
    private static TimeSpan Cpu(int? appProcess)
    {
        var own = Process.GetCurrentProcess().TotalProcessorTime;
        if (appProcess is null)
        {
            return own;
        }
        using var app = Process.GetProcessById(appProcess.Value);
        return own + app.TotalProcessorTime;
    }

    private static async Task<long> CountRowsAsync(string dbPath, string? postgres, string sql)
    {
        if (postgres is not null)
        {
            await using var pg = new NpgsqlConnection(postgres);
            await pg.OpenAsync();
            await using var count = new NpgsqlCommand(sql, pg);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        return CountRows(dbPath, sql);
    }

    private static TimeSpan AppCpu(int appProcess)
    {
        using var app = Process.GetProcessById(appProcess);
        return app.TotalProcessorTime;
    }

    private static long CountRows(string dbPath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={dbPath};Pooling=false");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }
}
