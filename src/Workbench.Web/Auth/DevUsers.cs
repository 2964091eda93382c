namespace Workbench.Web.Auth;

/// <summary>The seeded people of the development sign-in (Development only).</summary>
public static class DevUsers
{
    public sealed record DevUser(string UserName, string DisplayName, UserRole Role, string[] Queues);

    public static IReadOnlyList<DevUser> All { get; } =
    [
        new("rita", "Rita Alvarez", UserRole.Reviewer, ["support", "policy-legal"]),
        new("felix", "Felix Braun", UserRole.Reviewer, ["finance"]),
        new("mia", "Mia Chen", UserRole.Reviewer, ["support", "support-exceptions", "brand", "spot-check"]),
        new("sam", "Sam Okafor", UserRole.Reviewer, ["security"]),
        new("lena", "Lena Fischer", UserRole.Lead, []),
        new("adam", "Adam Novak", UserRole.Admin, []),
    ];
}
