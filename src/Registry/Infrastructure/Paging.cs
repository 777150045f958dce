using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Registry.Infrastructure;

/// <summary>
/// Keyset paging for lists: a page's answer names the next page in a <c>Link: &lt;…&gt;; rel="next"</c> header
/// (the same request with the cursor) and in <c>X-Next-Page</c>. A cursor is the last row's sort key, opaque
/// to clients (base64url of its parts).
/// </summary>
public static class Paging
{
    private const int MaxCursorLength = 400;

    public static string Cursor(params string[] parts) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\n', parts)));

    /// <summary>The cursor's parts, or null when it is not one this registry gave (wrong shape, too long, not base64url).</summary>
    public static string[]? Parts(string cursor, int count)
    {
        if (cursor.Length is 0 or > MaxCursorLength || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('\n');
            return parts.Length == count ? parts : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Names the next page: this request with <paramref name="parameter"/> set to <paramref name="cursor"/>.</summary>
    public static void Next(HttpContext http, string parameter, string cursor)
    {
        var url = QueryString.Create(http.Request.Query
            .Where(q => q.Key != parameter)
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new KeyValuePair<string, string?>(parameter, cursor)));
        http.Response.Headers.Link = $"<{http.Request.Path}{url}>; rel=\"next\"";
        http.Response.Headers["X-Next-Page"] = cursor;
    }
}
