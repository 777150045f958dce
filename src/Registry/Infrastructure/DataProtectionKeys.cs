using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;

namespace Registry.Infrastructure;

/// <summary>One ASP.NET Core Data Protection key (its XML as the key manager wrote it).</summary>
public sealed class DataProtectionKey
{
    public string Id { get; set; } = "";

    public string Xml { get; set; } = "";
}

/// <summary>
/// The Data Protection key ring in PostgreSQL: sign-in cookies (and anything else protected) survive a restart and
/// are read by every node of a cluster. The keys are stored as the key manager writes them; anyone who can read the
/// registry's database can read them, as they can read the data they protect (docs/security.md).
/// </summary>
public sealed class MartenXmlRepository(IDocumentStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var session = store.QuerySession();
        var keys = session.Query<DataProtectionKey>().ToListAsync().GetAwaiter().GetResult();
        return keys.Select(k => XElement.Parse(k.Xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var session = store.LightweightSession();
        session.Store(new DataProtectionKey { Id = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        // The key manager calls this synchronously, rarely (a new key every 90 days by default).
        session.SaveChangesAsync().GetAwaiter().GetResult();
    }
}

public static class DataProtectionKeys
{
    /// <summary>Data Protection with its keys in the registry's database, under one application name for every node.</summary>
    public static IServiceCollection AddRegistryDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Registry");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IDocumentStore>((options, store) => options.XmlRepository = new MartenXmlRepository(store));
        return services;
    }
}
