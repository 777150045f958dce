using System.Diagnostics;
using JasperFx.CommandLine;
using Marten;
using Registry.Catalogue;
using Registry.Demo;

namespace Registry.Api.Commands;

public sealed class DemoInput : NetCoreInput
{
    [Description("How many patients to generate")]
    public int PatientsFlag { get; set; } = 200;

    [Description("How many sites (S001, S002, ...)")]
    public int SitesFlag { get; set; } = 4;

    [Description("The generator's seed: the same seed gives the same registry")]
    public int SeedFlag { get; set; } = 20260301;

    [Description("Only when the registry holds no patient yet")]
    public bool IfEmptyFlag { get; set; }
}

[Description("Loads a synthetic basket registry (demo or load data) through the bulk import path")]
public sealed class DemoCommand : JasperFxAsyncCommand<DemoInput>
{
    public override async Task<bool> Execute(DemoInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        if (input.IfEmptyFlag)
        {
            await using var session = store.QuerySession();
            if (await session.Events.QueryAllRawEvents().AnyAsync())
            {
                Console.WriteLine("The registry already holds data: no demo data loaded.");
                return true;
            }
        }

        var time = host.Services.GetRequiredService<TimeProvider>();
        var catalogue = host.Services.GetRequiredService<DiseaseCatalogue>();
        var generator = new BasketGenerator(catalogue, input.SeedFlag, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        var import = new BulkImport(store, catalogue, time);
        var clock = Stopwatch.StartNew();
        var result = await import.ImportAsync(generator.Patients(input.PatientsFlag, input.SitesFlag), 250,
            (patients, events) => Console.WriteLine(
                $"  {patients,7} patients, {events,9} events, {events / clock.Elapsed.TotalSeconds,8:F0} events/s"),
            CancellationToken.None);
        Console.WriteLine("Rebuilding the patient timelines...");
        await import.RebuildInlineProjectionsAsync(CancellationToken.None);
        Console.WriteLine(
            $"Loaded {result.Patients} patients ({result.Events} events) " +
            $"at sites {string.Join(", ", BasketGenerator.SiteIds(input.SitesFlag))} in {clock.Elapsed.TotalSeconds:F1} s.");
        return true;
    }
}
