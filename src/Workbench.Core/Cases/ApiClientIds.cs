namespace Workbench.Core.Cases;

/// <summary>
/// The form of an API client's id (an AI system's name in Workbench): what the admin page accepts for a new client and
/// what a policy may list, so that an id a policy names can be one a client has.
/// </summary>
public static class ApiClientIds
{
    /// <summary>The rule, as the admin page and the policy loader say it.</summary>
    public const string Rule = "1 to 128 characters: letters, digits, '-', '_' or '.'";

    public static bool IsValid(string id) =>
        id.Length is > 0 and <= 128 && id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');
}
