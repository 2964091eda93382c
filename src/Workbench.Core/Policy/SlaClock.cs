namespace Workbench.Core.Policy;

/// <summary>
/// SLA due-time math in one place. Wall-clock for now; business hours arrive in a later issue and replace only
/// this function.
/// </summary>
public static class SlaClock
{
    public static DateTimeOffset DueAt(DateTimeOffset start, TimeSpan duration) => start + duration;
}
