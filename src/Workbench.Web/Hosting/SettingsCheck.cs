using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Workbench.Web.Hosting;

/// <summary>
/// Reads every Workbench options section once at start. Options bind on first use, so a value of the wrong type
/// (<c>Webhooks:MaxAttempts=abc</c>) would otherwise let the instance start and fail later, inside a worker or a
/// request, with a stack trace. Here it stops the start with one line naming the setting, its value and the type it
/// must be; a section's own validation failing is reported the same way. A value of the right type that makes no
/// sense (a negative duration or count, a zero interval a timer cannot run on, a share above one) stops it the same way,
/// by one general rule over every section, so a new section is covered without anyone remembering to add it.
/// </summary>
public static partial class SettingsCheck
{
    public static void CheckWorkbenchSettings(this WebApplication app, IServiceCollection services)
    {
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        foreach (var (type, name) in BoundSections(services))
        {
            var monitor = app.Services.GetRequiredService(typeof(IOptionsMonitor<>).MakeGenericType(type));
            object? options;
            try
            {
                options = monitor.GetType().GetMethod(nameof(IOptionsMonitor<object>.Get))!.Invoke(monitor, [name]);
            }
            catch (System.Reflection.TargetInvocationException wrapped) when (wrapped.InnerException is { } ex)
            {
                throw Explain(ex, configuration)
                    ?? new WorkbenchConfigurationException($"The settings read into {type.Name} cannot be used: {ex.Message.ReplaceLineEndings(" ")}", ex);
            }
            if (options is not null && SettingRanges.FirstProblem(options, SectionPath(services, type, name)) is { } problem)
            {
                throw new WorkbenchConfigurationException(problem);
            }
        }
    }

    /// <summary>
    /// The configuration path a section was bound from, read from the change-token source the binding registers (it
    /// holds the section); the options type's name when that cannot be read.
    /// </summary>
    private static string SectionPath(IServiceCollection services, Type type, string name)
    {
        var source = services
            .Where(d => d.ServiceType == typeof(IOptionsChangeTokenSource<>).MakeGenericType(type))
            .Select(d => d.ImplementationInstance)
            .FirstOrDefault(i => i?.GetType().GetProperty(nameof(IOptionsChangeTokenSource<object>.Name))?.GetValue(i) as string == name);
        var section = source?.GetType()
            .GetField("_config", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)?
            .GetValue(source) as IConfigurationSection;
        return section?.Path ?? type.Name;
    }

    /// <summary>The Workbench options types bound to a configuration section (Configure&lt;T&gt;(section) or Bind), with their names.</summary>
    internal static IEnumerable<(Type Type, string Name)> BoundSections(IServiceCollection services) =>
        services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>)
                && d.ImplementationInstance is { } instance && instance.GetType().IsGenericType
                && instance.GetType().GetGenericTypeDefinition() == typeof(NamedConfigureFromConfigurationOptions<>)
                && d.ServiceType.GetGenericArguments()[0].Namespace?.StartsWith("Workbench.", StringComparison.Ordinal) == true)
            .Select(d => (d.ServiceType.GetGenericArguments()[0],
                d.ImplementationInstance!.GetType().GetProperty(nameof(ConfigureNamedOptions<object>.Name))!.GetValue(d.ImplementationInstance) as string
                    ?? Options.DefaultName))
            .Distinct();

    private static WorkbenchConfigurationException? Explain(Exception ex, IConfiguration configuration)
    {
        if (ex is OptionsValidationException validation)
        {
            return new WorkbenchConfigurationException(validation.Failures.FirstOrDefault() ?? validation.Message, ex);
        }
        if (ex is InvalidOperationException && ConvertFailure().Match(ex.Message) is { Success: true } m)
        {
            var key = m.Groups["key"].Value;
            return new WorkbenchConfigurationException(
                $"The setting {key} is '{configuration[key]}', which is not {Describe(m.Groups["type"].Value)}.", ex);
        }
        return null;
    }

    private static string Describe(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" or "System.Decimal" or "System.Single" => "a number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a duration (hh:mm:ss, or d.hh:mm:ss)",
        "System.Uri" => "a URL",
        _ when type.StartsWith("System.", StringComparison.Ordinal) => $"a {type[7..]}",
        _ => $"one of the values of {type[(type.LastIndexOf('.') + 1)..]}",
    };

    // "Failed to convert configuration value 'soon' at 'Review:Lease' to type 'System.TimeSpan'." (the value, which may
    // hold quotes, only in newer runtimes): the last " at '…'" names the key.
    [GeneratedRegex(@"^Failed to convert configuration value.* at '(?<key>[^']+)' to type '(?<type>[^']+)'\.?$", RegexOptions.Singleline)]
    private static partial Regex ConvertFailure();
}
