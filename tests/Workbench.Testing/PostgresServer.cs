using System.Runtime.InteropServices;

namespace Workbench.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster on 127.0.0.1 and a free port: initdb, pg_ctl start, and on dispose stop and
/// delete. A watchdog stops the server if the test process dies without disposing it, so none is left behind.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _dataDir = "";
    private string _bin = "";
    private bool _asPostgresUser;

    public int Port { get; private set; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=15";

    public async Task InitializeAsync()
    {
        _bin = FindBinDirectory();
        _asPostgresUser = Environment.UserName == "root"; // initdb refuses to run as root
        _dataDir = Path.Combine(Path.GetTempPath(), "wb-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dataDir);
        if (_asPostgresUser)
        {
            await Run("chown", ["postgres:postgres", _dataDir], asPostgres: false);
        }
        Port = Processes.FreePort();
        await Run(Path.Combine(_bin, "initdb"), ["-D", _dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        await StartAsync();
        StartWatchdog();
    }

    /// <summary>Starts the server on its port and data directory (again, after <see cref="StopAsync"/>), waiting until it accepts connections.</summary>
    public Task StartAsync() => Run(Path.Combine(_bin, "pg_ctl"),
    [
        "-D", _dataDir, "-l", Path.Combine(_dataDir, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -k {_dataDir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        "start",
    ]);

    /// <summary>
    /// Really stops the server (<c>pg_ctl stop -m fast</c>: open sessions are ended, transactions in flight roll back,
    /// the port closes), waiting until it is down. <see cref="StartAsync"/> brings it back on the same port and data.
    /// </summary>
    public Task StopAsync() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", _dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);

    public async Task DisposeAsync()
    {
        try
        {
            await Run(Path.Combine(_bin, "pg_ctl"), ["-D", _dataDir, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
                // The watchdog or the OS cleans /tmp; a leftover folder is not worth failing a test run.
            }
        }
    }

    private void StartWatchdog()
    {
        var pid = Environment.ProcessId;
        var stop = $"{Path.Combine(_bin, "pg_ctl")} -D {_dataDir} -m immediate stop";
        if (_asPostgresUser)
        {
            stop = $"runuser -u postgres -- {stop}";
        }
        var script = $"while kill -0 {pid} 2>/dev/null && [ -d {_dataDir} ]; do sleep 2; done; {stop} >/dev/null 2>&1; rm -rf {_dataDir}";
        var psi = new System.Diagnostics.ProcessStartInfo("setsid", ["bash", "-c", script]) { UseShellExecute = false };
        System.Diagnostics.Process.Start(psi);
    }

    private async Task Run(string file, string[] args, bool asPostgres = true)
    {
        var (exe, argv) = asPostgres && _asPostgresUser
            ? ("runuser", new[] { "-u", "postgres", "--", file }.Concat(args).ToArray())
            : (file, args);
        var (code, output) = await Processes.RunAsync(exe, argv, TimeSpan.FromSeconds(90), workingDirectory: Path.GetTempPath());
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} failed ({code}): {output}");
        }
    }

    private static string FindBinDirectory()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            throw new PlatformNotSupportedException("The PostgreSQL fixture runs on Linux (tests/run.sh installs postgresql).");
        }
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin"))
            : [];
        var found = candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")));
        return found ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. Run tests/run.sh, which installs Debian's postgresql.");
    }
}
