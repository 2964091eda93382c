using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Workbench.Testing;

/// <summary>
/// The built app (Workbench.Web.dll) in a process of its own on 127.0.0.1, in Development (the demo API clients)
/// without demo data: what the reliability tests kill, and what keeps running while its database goes away.
/// The last lines it wrote are kept for a failing test's message.
/// </summary>
public sealed class AppProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();

    private AppProcess(Process process, int port)
    {
        Process = process;
        Port = port;
    }

    public Process Process { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public bool HasExited => Process.HasExited;

    /// <param name="workDirectory">The process's working directory.</param>
    /// <param name="port">Where it listens.</param>
    /// <param name="settings">Configuration as environment variables (<c>Database__Provider</c>…); they may set another environment.</param>
    /// <param name="dll">The app to run: the built one beside the tests by default, or a published one.</param>
    public static AppProcess Start(string workDirectory, int port, IDictionary<string, string> settings, string? dll = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll ?? Path.Combine(AppContext.BaseDirectory, "Workbench.Web.dll"));
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // the demo API client
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        psi.Environment["Workbench__DemoData__Enabled"] = "false";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        // Decisions reach the AI system at once unless a test is about the undo window (10 s in the product).
        psi.Environment["Review__UndoWindow"] = "00:00:00";
        foreach (var (key, value) in settings)
        {
            psi.Environment[key] = value;
        }
        var app = new AppProcess(Process.Start(psi)!, port);
        app.Process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        app.Process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        app.Process.BeginOutputReadLine();
        app.Process.BeginErrorReadLine();
        return app;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        while (_lines.Count > 200 && _lines.TryDequeue(out _))
        {
        }
    }

    /// <summary>The last lines the app wrote (up to 200).</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    public async Task WaitReadyAsync(HttpClient http, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(120); // start-up on a machine shared with other test runs
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            Assert.False(Process.HasExited, "The app stopped during start-up:\n" + Output);
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
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
            await Task.Delay(200);
        }
        Assert.Fail($"The app did not become ready within {limit.TotalSeconds:0} s:\n" + Output);
    }

    /// <summary>A client of the app that keeps its own cookies and does not follow redirects.</summary>
    public HttpClient Client() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A <see cref="Client"/> signed in through the development sign-in.</summary>
    public async Task<HttpClient> SignedInAsync(string user)
    {
        var client = Client();
        using var response = await DevSignIn.PostAsync(client, user, "/queues");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>SIGKILL: no shutdown, no flush; what committed is all that is left.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
            Process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        Process.Dispose();
    }
}
