using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Workbench.Core.Policy;
using Workbench.Web.Cases;

namespace Workbench.Web.Tests.Infrastructure;

/// <summary>
/// The one bUnit base: MudBlazor services with zero transitions, loose JS interop (MudBlazor's own interop is not
/// what these tests are about), the system clock and the shipped default policy as the active one.
/// </summary>
public abstract class ComponentTest : IAsyncLifetime
{
    // Composed, not inherited: MudBlazor's services dispose only asynchronously, and xunit 2 would dispose an
    // inherited BunitContext synchronously.
    protected BunitContext Context { get; } = new();

    protected ComponentTest()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServicesWithoutTransitions();
        Context.Services.AddSingleton(TimeProvider.System);
        var policy = new ActivePolicy();
        policy.Activate(DefaultPolicy.Value);
        Context.Services.AddSingleton(policy);
    }

    protected IRenderedComponent<T> Render<T>(Action<ComponentParameterCollectionBuilder<T>> parameters)
        where T : Microsoft.AspNetCore.Components.IComponent => Context.Render(parameters);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Context.DisposeAsync();

    public static readonly Lazy<CompiledPolicy> DefaultPolicy = new(() =>
    {
        var yaml = File.ReadAllText(Path.Combine(Processes.RepositoryRoot(), "assets", "policies", "default.yaml"));
        return PolicyLoader.Load(yaml).Policy ?? throw new InvalidOperationException("The default policy does not load.");
    });
}

public static class MudTestServices
{
    /// <summary>MudBlazor's services with no snackbar transitions and no popover provider check: what a rendered test needs.</summary>
    public static IServiceCollection AddMudServicesWithoutTransitions(this IServiceCollection services) => services.AddMudServices(o =>
    {
        o.SnackbarConfiguration.ShowTransitionDuration = 0;
        o.SnackbarConfiguration.HideTransitionDuration = 0;
        o.PopoverOptions.CheckForPopoverProvider = false;
    });
}
