using System.Diagnostics;

namespace Workbench.Testing;

/// <summary>
/// A throwaway redis-server on 127.0.0.1 and a free port, no persistence; stopped with the fixture or by a watchdog.
/// A test can hang it (<see cref="Pause"/>: SIGSTOP, the socket stays open and nothing answers, as in a partition),
/// kill it (<see cref="Kill"/>) and start it again on the same port (<see cref="StartAsync"/>).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;
    private string _exe = "";

    public int Port { get; private set; }

    public string Connection => $"127.0.0.1:{Port}";

    public bool IsPaused { get; private set; }

    public async Task InitializeAsync()
    {
        _exe = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server not found. Run tests/run.sh, which installs Debian's redis-server.");
        Port = Processes.FreePort();
        await StartAsync();
    }

    /// <summary>Starts the server on <see cref="Port"/> (again, after <see cref="Kill"/>) and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("redis-server is running already.");
        }
        _process?.Dispose();
        var psi = new ProcessStartInfo(_exe)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        IsPaused = false;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // SIGCONT first: a server the test left stopped would otherwise ignore the SIGTERM.
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {_process.Id} 2>/dev/null; do sleep 2; done; " +
                     $"kill -CONT {_process.Id} 2>/dev/null; kill {_process.Id} 2>/dev/null";
        Process.Start(new ProcessStartInfo("setsid", ["bash", "-c", script]) { UseShellExecute = false })!.Dispose();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (await AnswersPingAsync())
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"redis-server did not answer on {Port}.");
    }

    /// <summary>SIGSTOP: the process keeps its port and its connections but answers nothing.</summary>
    public void Pause()
    {
        Signal("STOP");
        IsPaused = true;
    }

    /// <summary>SIGCONT: it reads what was sent meanwhile and answers again.</summary>
    public void Resume()
    {
        Signal("CONT");
        IsPaused = false;
    }

    /// <summary>SIGKILL: every connection drops; what was published and not yet delivered is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        IsPaused = false;
    }

    private void Signal(string signal)
    {
        if (_process is not { HasExited: false })
        {
            throw new InvalidOperationException("redis-server is not running.");
        }
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            if (IsPaused)
            {
                Resume();
            }
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process?.Dispose();
        return Task.CompletedTask;
    }
}
