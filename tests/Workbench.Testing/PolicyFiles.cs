namespace Workbench.Testing;

/// <summary>The shipped default policy with a test's edits, written to a file of its own for <c>Policy:Path</c>.</summary>
public static class PolicyFiles
{
    public static string DefaultYaml => File.ReadAllText(Path.Combine(Processes.RepositoryRoot(), "assets", "policies", "default.yaml"));

    /// <summary>
    /// The default policy with each (old, new) text replaced; a replacement that finds nothing throws, so that a change of
    /// the default policy cannot silently turn a test's policy back into the default.
    /// </summary>
    public static string Write(params (string Old, string New)[] edits)
    {
        var yaml = DefaultYaml;
        foreach (var (old, replacement) in edits)
        {
            if (!yaml.Contains(old, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The default policy no longer contains: {old}");
            }
            yaml = yaml.Replace(old, replacement, StringComparison.Ordinal);
        }
        var path = Path.Combine(Path.GetTempPath(), $"wb-policy-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Policy-legal on 4 h round the clock, escalating to security: a breach there has somewhere to go.</summary>
    public static (string Old, string New) LegalEscalatingToSecurity => ("""
            sla: { await_approval: 8h, handoff: 1d, info_reply: 2d }
            business_hours: legal-office
            pause_while_awaiting_info: true
        """, """
            sla: { await_approval: 4h, handoff: 4h, info_reply: 2d }
            escalation: security
            pause_while_awaiting_info: true
        """);

    /// <summary>support.faq samples every proceed case (or the given share) into the spot-check queue.</summary>
    public static (string Old, string New) SpotCheckRate(double rate) =>
        ("    spot_check_rate: 0.05\n", $"    spot_check_rate: {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n");
}
