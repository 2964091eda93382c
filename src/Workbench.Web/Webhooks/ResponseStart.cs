using System.Text;

namespace Workbench.Web.Webhooks;

/// <summary>What a receiver answered, kept with each attempt for the admin page: only its start, as text.</summary>
public static class ResponseStart
{
    /// <summary>The first <paramref name="limit"/> bytes of the answer as text, cut at a character boundary; null when it is empty.</summary>
    public static async Task<string?> ReadAsync(HttpResponseMessage response, int limit, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[limit];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            {
                read += n;
            }
            if (read == 0)
            {
                return null;
            }
            // A UTF-8 sequence cut by the limit is dropped whole rather than kept as a replacement character.
            var end = read;
            if (read == buffer.Length)
            {
                var back = end - 1;
                while (back > 0 && (buffer[back] & 0xC0) == 0x80)
                {
                    back--;
                }
                var lead = buffer[back];
                var length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
                if (back + length > read)
                {
                    end = back;
                }
            }
            // PostgreSQL's text cannot hold NUL: a binary answer is kept without them.
            return Encoding.UTF8.GetString(buffer, 0, end).Replace("\0", "", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The status is what the attempt is judged by; a body cut off by the receiver is only not kept.
            return null;
        }
    }
}
