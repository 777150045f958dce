using System.Text.Json;
using JasperFx.CommandLine;
using Marten;
using Microsoft.Extensions.Options;
using Registry.Access;
using Registry.Cohorts;
using Registry.Exports;
using Registry.Infrastructure;
using Spectre.Console;

namespace Registry.Api.Commands;

public sealed class ExportInput : NetCoreInput
{
    [Description("The folder to write the files and manifest.json into")]
    public string OutFlag { get; set; } = "export";

    [Description("csv, parquet or fhir-ndjson")]
    public string FormatFlag { get; set; } = "csv";

    [Description("Disease codes, comma separated (all when empty)")]
    public string DiseasesFlag { get; set; } = "";

    [Description("Site ids, comma separated (all when empty)")]
    public string SitesFlag { get; set; } = "";

    [Description("The event sequence to export as of (default: the projections' high-water mark)")]
    public long AsOfFlag { get; set; } = -1;

    [Description("study-day or year")]
    public string DatesFlag { get; set; } = "study-day";

    [Description("The pseudonym scope")]
    public string ScopeFlag { get; set; } = "registry";

    [Description("Include free text (verbatim terms, reasons, products, drug names, units); the operator decides")]
    public bool FreeTextFlag { get; set; }
}

[Description("Writes a de-identified cohort export to a folder, with a progress bar (as POST /api/exports does)")]
public sealed class ExportCommand : JasperFxAsyncCommand<ExportInput>
{
    public override async Task<bool> Execute(ExportInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var options = host.Services.GetRequiredService<IOptions<ExportOptions>>().Value;
        if (input.FormatFlag is not ("csv" or "parquet" or "fhir-ndjson") || input.DatesFlag is not ("study-day" or "year"))
        {
            AnsiConsole.MarkupLine("[red]--format is csv, parquet or fhir-ndjson; --dates is study-day or year.[/]");
            return false;
        }

        await using var session = store.QuerySession();
        var committed = await ProjectionProgress.CommittedAsync(session, CancellationToken.None);
        var asOf = input.AsOfFlag < 0 ? committed : input.AsOfFlag;
        if (asOf > committed)
        {
            AnsiConsole.MarkupLine($"[red]The log's committed position is {committed}; --as-of cannot be above it.[/]");
            return false;
        }

        if (!await ProjectionProgress.WaitForHighWaterMarkAsync(session, asOf, TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            AnsiConsole.MarkupLine(
                $"[yellow]Events below {asOf} may still be in flight (the high-water mark has not reached it); " +
                "building from what is committed.[/]");
        }

        string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var definition = new ExportDefinition(new CohortDefinition(List(input.DiseasesFlag), List(input.SitesFlag), null, null, null),
            asOf, null, input.FormatFlag, input.DatesFlag, input.ScopeFlag, input.FreeTextFlag);
        // The operator's export is audited as any other: who (the operator at the command line), what, as of when.
        await using (var audit = store.LightweightSession())
        {
            audit.Record(new Caller("operator:cli", "operator", new HashSet<string>()), host.Services.GetRequiredService<TimeProvider>(),
                AuditActions.Export,
                detail: $"command line, to {Path.GetFullPath(input.OutFlag)}; {RequestExportEndpoint.AuditDetail(definition)}");
            await audit.SaveChangesAsync();
        }

        var secret = options.Secret();
        var folder = Path.GetFullPath(input.OutFlag);
        var total = (await session.Query<Registry.Patients.PatientRecord>().CountAsync()) is var n and > 0 ? n : 1;
        IReadOnlyList<ExportFile> files = [];
        var tally = new ExportTally();
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Exporting patients", maxValue: total);
            files = await RunExportHandler.WriteAsync(
                store, secret, definition, folder, () => task.Increment(1), CancellationToken.None, tally);
            task.Value = task.MaxValue;
        });

        var manifest = RunExportHandler.Manifest(definition, at: null, files) with { Locks = tally.Locks };
        await File.WriteAllTextAsync(
            Path.Combine(folder, "manifest.json"),
            JsonSerializer.Serialize(manifest, new JsonSerializerOptions(RegistryJson.Options) { WriteIndented = true }));
        var table = new Spectre.Console.Table().AddColumns("file", "rows", "sha256");
        foreach (var file in files)
        {
            table.AddRow(file.Name, file.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), file.Sha256[..16] + "…");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Written to [bold]{Markup.Escape(folder)}[/] as of sequence {asOf}.");
        return true;
    }
}
