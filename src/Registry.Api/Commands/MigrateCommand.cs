using JasperFx.CommandLine;
using Registry.Hosting;
using Registry.Infrastructure;

namespace Registry.Api.Commands;

[Description("Applies the numbered SQL patches of migrations/ that the database has not had yet")]
public sealed class MigrateCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        // Started before its database (a reboot, a container): wait for it rather than fail for good.
        await RegistryHosting.WaitForDatabaseAsync(RegistryHosting.ConnectionString(configuration),
            host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Registry.Migrate"));
        var applied = await SchemaMigrations.ApplyAsync(RegistryHosting.ConnectionString(configuration), Console.WriteLine);
        Console.WriteLine(applied.Count == 0 ? "The schema is up to date." : $"Applied {applied.Count} migration(s).");
        return true;
    }
}
