namespace Workbench.Core.Policy;

/// <summary>
/// The sources the business holds authoritative (<c>authoritative_sources:</c> in the policy): an evidence item the AI
/// system marks authoritative counts as such only when its URI lies under one of them. Without the list the engine
/// takes the AI system's word, as it always did. An entry is an absolute URI: its scheme, host and port must match
/// exactly (the host in its IDN form, so a look-alike letter is another host), and its path, when it has one, must be
/// a prefix of the item's path at a segment boundary (<c>https://kb.example/policies</c> lists
/// <c>/policies/refunds</c>, not <c>/policies-old</c>). An item's URI is read as .NET reads it (user info, a
/// backslash and plain dot segments cannot move it under an entry it is not under), and a path that a server could
/// still read as climbing out of where it seems to be is under no entry: a segment that decodes to <c>.</c> or
/// <c>..</c> (<c>%2e%2e</c>), an encoded slash, backslash or percent sign, a <c>;</c> or a control character. An item without a URI,
/// or with one that is not absolute, is under no entry either.
/// </summary>
public sealed class AuthoritativeSources
{
    private readonly Entry[] _entries;

    private AuthoritativeSources(Entry[] entries) => _entries = entries;

    /// <summary>The entries as the policy wrote them.</summary>
    public IReadOnlyList<string> Entries => [.. _entries.Select(e => e.Text)];

    /// <summary>True when <paramref name="uri"/> lies under one of the entries.</summary>
    public bool Lists(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri) || !Uri.TryCreate(uri.Trim(), UriKind.Absolute, out var u) || string.IsNullOrEmpty(u.Host))
        {
            return false;
        }
        var path = u.AbsolutePath;
        if (!PlainPath(path))
        {
            return false;
        }
        var host = HostOf(u);
        foreach (var e in _entries)
        {
            if (string.Equals(e.Scheme, u.Scheme, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(e.Host, host, StringComparison.OrdinalIgnoreCase) &&
                e.Port == u.Port &&
                UnderPath(path, e.Path))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads the entries; an entry that is no absolute URI with a host, or that carries a query, a fragment or user info, is an error.</summary>
    internal static AuthoritativeSources Parse(IReadOnlyList<string> entries, Action<string> error)
    {
        var parsed = new List<Entry>();
        foreach (var text in entries)
        {
            if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var u) || string.IsNullOrEmpty(u.Host))
            {
                error($"authoritative_sources entry '{text}' is not an absolute URI with a host (https://policies.example.com/refunds)");
                continue;
            }
            if (u.Query.Length > 0 || u.Fragment.Length > 0 || u.UserInfo.Length > 0)
            {
                error($"authoritative_sources entry '{text}' may name a scheme, a host, a port and a path, nothing else");
                continue;
            }
            if (!PlainPath(u.AbsolutePath))
            {
                error($"authoritative_sources entry '{text}' has a path no evidence URI can lie under (a ';', an escaped dot, slash or percent sign, or a control character)");
                continue;
            }
            parsed.Add(new Entry(text, u.Scheme, HostOf(u), u.Port, u.AbsolutePath.TrimEnd('/')));
        }
        return new AuthoritativeSources([.. parsed]);
    }

    private static string HostOf(Uri u) => u.IdnHost.TrimEnd('.');

    // .NET removes plain dot segments but keeps escaped ones (/pricing/%2e%2e/forum), which a browser or server reads
    // as "..": such a path, and one with an encoded separator, a matrix parameter or a control character, is refused.
    private static bool PlainPath(string path)
    {
        if (path.Contains(';') || path.Contains('\\'))
        {
            return false;
        }
        if (path.Contains('%'))
        {
            // An encoded slash or backslash, and an encoded percent sign (%252e%252e is %2e%2e to a server that
            // decodes twice), are refused rather than decoded.
            if (path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains("%5c", StringComparison.OrdinalIgnoreCase) ||
                path.Contains("%25", StringComparison.Ordinal))
            {
                return false;
            }
            path = Uri.UnescapeDataString(path);
        }
        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or ".." || segment.Any(char.IsControl) || segment.Contains(';') || segment.Contains('\\'))
            {
                return false;
            }
        }
        return true;
    }

    // "/policies" lists "/policies" and "/policies/…"; an empty path (the whole host) lists every path.
    private static bool UnderPath(string path, string prefix) =>
        prefix.Length == 0 ||
        (path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/'));

    private readonly record struct Entry(string Text, string Scheme, string Host, int Port, string Path);
}
