using System.Diagnostics;
using System.Text;

namespace Workbench.Testing;

/// <summary>
/// The app as users get it: its own process, a real Kestrel on 127.0.0.1 and a free port, a fresh SQLite file
/// (or the database and Redis that <see cref="Settings"/> name), the Development sign-in and demo data. Stops with
/// the fixture, and a watchdog stops it if the tests die.
/// </summary>
public sealed class AppServer : IAsyncLifetime
{
    /// <summary>Settings passed as environment variables (<c>Database:Provider</c>, <c>Redis:Connection</c>…).</summary>
    public Dictionary<string, string> Settings { get; } = [];

    private Process? _process;
    private readonly StringBuilder _log = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("wb-e2e-").FullName;

    /// <summary>Known before the start, so a setting can name it (<c>Notifications:PublicBaseUrl</c>, the address in links).</summary>
    public string BaseUrl { get; } = $"http://127.0.0.1:{Processes.FreePort()}";
    /// <summary>The app's process id (the soak counts its open database files).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The app has not started.");
    public static string RepositoryRoot { get; } = Processes.RepositoryRoot();
    public string Log { get { lock (_log) { return _log.ToString(); } } }

    public async Task InitializeAsync()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var web = Path.Combine(RepositoryRoot, "src", "Workbench.Web");
        var dll = Path.Combine(web, "bin", configuration, "net10.0", "Workbench.Web.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first (tests/run.sh does).");
        }
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--urls", BaseUrl, "--contentRoot", web })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["ConnectionStrings__Workbench"] = $"Data Source={Path.Combine(_directory, "workbench.db")}";
        // Blind double review samples 5 % of queued cases by their random id and then withholds the decision from anyone
        // who did not act on it: journeys not about it must not depend on that coin toss (a journey may set it).
        psi.Environment["Learning__DoubleReview__Share"] = "0";
        // Decisions reach the AI system at once unless a journey is about the undo window (10 s in the product).
        psi.Environment["Review__UndoWindow"] = "00:00:00";
        foreach (var (key, value) in Settings)
        {
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        StartWatchdog(_process.Id);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with {_process.ExitCode}:\n{Log}");
            }
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The app did not become ready at {BaseUrl} within 90 s:\n{Log}");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static void StartWatchdog(int appPid)
    {
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {appPid} 2>/dev/null; do sleep 2; done; kill {appPid} 2>/dev/null";
        Process.Start(new ProcessStartInfo("setsid", ["bash", "-c", script]) { UseShellExecute = false });
    }
}
