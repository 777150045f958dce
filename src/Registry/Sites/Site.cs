namespace Registry.Sites;

/// <summary>A clinical site. Its time zone decides what "today" is for its entries.</summary>
public sealed class Site
{
    /// <summary>The site id, e.g. <c>FR01</c>.</summary>
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    public string Country { get; set; } = "";

    /// <summary>IANA time zone name.</summary>
    public string TimeZone { get; set; } = "UTC";
}
