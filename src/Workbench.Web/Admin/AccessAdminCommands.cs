using Workbench.Web.Http;

namespace Workbench.Web.Admin;

/// <summary>
/// The access commands beside <c>migrate</c>, for a deployment where nobody can sign in yet:
/// <c>create-api-key --id ID --name NAME --scopes cases:submit,cases:read</c> (prints the key, this once),
/// <c>revoke-api-key --id ID</c> and <c>grant-role --user NAME --role admin [--queues a,b] [--display-name NAME]</c>.
/// They go through <see cref="AccessAdmin"/>, so they are refused and audited as the admin pages are; the actor is
/// <c>cli:</c> and the operating-system account that ran them. They run against a migrated database only. Every
/// other argument is configuration, as for the app (<c>--ConnectionStrings:Workbench=…</c>). Exit 0, or 1 with one line.
/// </summary>
public static class AccessAdminCommands
{
    public const string CreateApiKey = "create-api-key";
    public const string RevokeApiKey = "revoke-api-key";
    public const string GrantRole = "grant-role";

    private static readonly Dictionary<string, string[]> Options = new(StringComparer.Ordinal)
    {
        [CreateApiKey] = ["--id", "--name", "--scopes"],
        [RevokeApiKey] = ["--id"],
        [GrantRole] = ["--user", "--role", "--queues", "--display-name"],
    };

    public static bool IsCommand(string? name) => name is not null && Options.ContainsKey(name);

    /// <summary>The command's own options (<c>--id x</c> or <c>--id=x</c>) apart from the rest, which is configuration.</summary>
    public static (Dictionary<string, string> Options, string[] Settings) Split(string command, string[] args)
    {
        var known = Options[command];
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, inline) = args[i].IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (args[i][..eq], args[i][(eq + 1)..]) : (args[i], null);
            if (!known.Contains(name))
            {
                settings.Add(args[i]);
                continue;
            }
            if (inline is null && i + 1 >= args.Length)
            {
                throw new WorkbenchConfigurationException($"{name} needs a value.");
            }
            options[name[2..]] = inline ?? args[++i];
        }
        return (options, [.. settings]);
    }

    public static async Task<int> RunAsync(WebApplicationBuilder builder, string command, Dictionary<string, string> options)
    {
        builder.AddWorkbenchData();
        builder.AddWorkbenchCases();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<AccessAdmin>();
        await using var app = builder.Build();
        await app.Services.EnsureWorkbenchDatabaseIsCurrentAsync();
        var admin = app.Services.GetRequiredService<AccessAdmin>();
        var actor = "cli:" + Environment.UserName;
        switch (command)
        {
            case CreateApiKey:
            {
                var scopes = Required(options, "scopes").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var created = Unwrap(await admin.CreateApiKeyAsync(new CreateApiKeyRequest(Required(options, "id"), Required(options, "name"), scopes), actor), "API client");
                Console.WriteLine($"Workbench {CreateApiKey}: created API client '{created.Client.Id}' ({created.Client.DisplayName}; " +
                    $"scopes {string.Join(", ", created.Client.Scopes)}), audited as {actor}. Its key, shown this once:");
                Console.WriteLine(created.ApiKey);
                return 0;
            }
            case RevokeApiKey:
            {
                var revoked = Unwrap(await admin.RevokeApiKeyAsync(Required(options, "id"), actor), "API client");
                Console.WriteLine($"Workbench {RevokeApiKey}: revoked the key of API client '{revoked.Id}' ({revoked.KeyPrefix}…), audited as {actor}. " +
                    $"Running instances refuse it within {ApiKeyStore.CacheFor.TotalSeconds:0} s.");
                return 0;
            }
            default:
            {
                var roleText = Required(options, "role");
                if (!Enum.TryParse<UserRole>(roleText, ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(roleText, out _))
                {
                    throw new WorkbenchConfigurationException($"--role is '{roleText}'; use reviewer, lead or admin.");
                }
                // Queues are checked against the policy in force (the first one is recorded here on a new database, as at start-up).
                await app.Services.GetRequiredService<ActivePolicy>().LoadAsync(
                    app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>(), app.Configuration, TimeProvider.System, default);
                var queues = options.TryGetValue("queues", out var q) ? q.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
                var user = Unwrap(await admin.GrantRoleAsync(Required(options, "user"), role, queues, options.GetValueOrDefault("display-name"), actor), "person");
                Console.WriteLine($"Workbench {GrantRole}: {user.UserName} is {user.Role.ToString().ToLowerInvariant()}" +
                    (user.Queues.Length > 0 ? $" of {string.Join(", ", user.Queues)}" : "") + $", audited as {actor}." +
                    (user.FromEntra ? "" : " The role applies from the person's next sign-in."));
                return 0;
            }
        }
    }

    private static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new WorkbenchConfigurationException($"--{name} is required.");

    /// <summary>The value, or the refusal as one line: the first field that is wrong, in the command's own words.</summary>
    private static T Unwrap<T>(AdminResult<T> result, string what) => result switch
    {
        AdminResult<T>.Ok ok => ok.Value,
        AdminResult<T>.Invalid invalid => throw new WorkbenchConfigurationException(string.Join(" ", invalid.Errors.Select(e =>
            $"{OptionOf(e.Key, what)}: {string.Join(" ", e.Value)}"))),
        _ => throw new WorkbenchConfigurationException($"There is no {what} with that {(what == "person" ? "user name" : "id")}."),
    };

    private static string OptionOf(string field, string what) => field switch
    {
        "$.id" or "id" => "--id",
        "$.displayName" => what == "person" ? "--display-name" : "--name",
        "$.scopes" => "--scopes",
        "$.userName" => "--user",
        "$.role" => "--role",
        "$.queues" => "--queues",
        _ => "the request",
    };
}
