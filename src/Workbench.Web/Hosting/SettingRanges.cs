using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Workbench.Web.Hosting;

/// <summary>
/// One range rule for every settings section: a duration or a number is never negative; an interval, period, timeout
/// or lease (a timer or a wait runs on it), a batch or page size, a maximum and a per-second rate are never zero; a
/// share, a rate or a bound given as a fraction is at most one. Returns the first setting that breaks it, as one line naming
/// the key, its value and what it must be.
/// </summary>
internal static class SettingRanges
{
    private const int MaxDepth = 4;

    public static string? FirstProblem(object options, string path) => Check(options, path, 0);

    private static string? Check(object? value, string path, int depth)
    {
        if (value is null || depth > MaxDepth)
        {
            return null;
        }
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
            {
                continue;
            }
            var key = $"{path}:{property.Name}";
            var problem = property.GetValue(value) switch
            {
                TimeSpan duration => Duration(key, property.Name, duration),
                int number => Number(key, property.Name, number),
                long number => Number(key, property.Name, number),
                double number => Fraction(key, property.Name, number),
                decimal number => Number(key, property.Name, (double)number),
                IDictionary dictionary when IsSettings(property.PropertyType.GetGenericArguments().LastOrDefault()) =>
                    dictionary.Keys.Cast<object>().Select(k => Check(dictionary[k], $"{key}:{k}", depth + 1)).FirstOrDefault(p => p is not null),
                { } nested when IsSettings(nested.GetType()) => Check(nested, key, depth + 1),
                _ => null,
            };
            if (problem is not null)
            {
                return problem;
            }
        }
        return null;
    }

    private static bool IsSettings(Type? type) =>
        type is { IsClass: true } && type.Namespace?.StartsWith("Workbench.", StringComparison.Ordinal) == true;

    private static string? Duration(string key, string name, TimeSpan value) =>
        value < TimeSpan.Zero ? $"The setting {key} is {value}, which is negative: it must be a positive duration."
        : value == TimeSpan.Zero && MustRun(name) ? $"The setting {key} is {value}: a timer or a wait runs on it, so it must be longer than zero."
        : null;

    private static string? Number(string key, string name, double value) =>
        value < 0 ? $"The setting {key} is {Show(value)}, which is negative: it must be zero or more."
        : value == 0 && MustCount(name) ? $"The setting {key} is 0: it must be 1 or more."
        : null;

    private static string? Fraction(string key, string name, double value) =>
        double.IsNaN(value) || double.IsInfinity(value) ? $"The setting {key} is {Show(value)}, which is not a number."
        : value < 0 ? $"The setting {key} is {Show(value)}, which is negative: it must be zero or more."
        : value > 1 && IsFraction(name) ? $"The setting {key} is {Show(value)}: it is a share, from 0 to 1 (0.8 is 80 %)."
        : null;

    private static bool MustRun(string name) =>
        name.EndsWith("Interval", StringComparison.Ordinal) || name.EndsWith("Timeout", StringComparison.Ordinal)
        || name.EndsWith("Lease", StringComparison.Ordinal) || name.EndsWith("Period", StringComparison.Ordinal);

    private static bool MustCount(string name) =>
        name.StartsWith("Max", StringComparison.Ordinal) || name.EndsWith("Size", StringComparison.Ordinal)
        || name.EndsWith("PerSecond", StringComparison.Ordinal) || name.EndsWith("Milliseconds", StringComparison.Ordinal)
        || name == "Port";

    private static bool IsFraction(string name) =>
        name.EndsWith("Share", StringComparison.Ordinal) || name.EndsWith("Rate", StringComparison.Ordinal)
        || name.EndsWith("Upper", StringComparison.Ordinal) || name.EndsWith("Sufficiency", StringComparison.Ordinal)
        || name == "ServiceLevelTarget";

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
