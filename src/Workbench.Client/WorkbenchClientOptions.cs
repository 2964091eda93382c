namespace Workbench.Client;

/// <summary>Where the Workbench API is and how this AI system authenticates to it.</summary>
public sealed class WorkbenchClientOptions
{
    /// <summary>
    /// The root of the Workbench server, e.g. <c>https://workbench.example.com/</c>. Required with
    /// <see cref="WorkbenchServiceCollectionExtensions.AddWorkbenchClient"/>; with the
    /// <see cref="WorkbenchClient(HttpClient, WorkbenchClientOptions)"/> constructor it is used only when the
    /// <see cref="HttpClient"/> has no <see cref="HttpClient.BaseAddress"/> of its own.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key issued to this AI system (<c>wb_…</c>), sent as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Returns an access token (for example an Entra ID app token) for each request. When set, it is sent as
    /// <c>Authorization: Bearer &lt;token&gt;</c> instead of <see cref="ApiKey"/>. The provider should cache tokens.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? AccessTokenProvider { get; set; }
}
