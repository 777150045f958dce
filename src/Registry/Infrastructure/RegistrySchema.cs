namespace Registry.Infrastructure;

/// <summary>The PostgreSQL schema that holds the registry's tables (events, documents, Wolverine's envelopes).</summary>
public static class RegistrySchema
{
    public const string Name = "registry";
}
