using System.Globalization;
using System.Security.Cryptography;
using CsvHelper;
using Parquet;
using Parquet.Schema;
using Registry.Infrastructure;
using Registry.Patients;
using Table = Registry.Patients.Table;

namespace Registry.Exports;

public sealed record ExportFile(string Name, long Rows, string Sha256);

/// <summary>Writes an export's tables as CSV (CsvHelper) or Parquet (Parquet.Net), and its data dictionary.</summary>
public static class ExportWriters
{
    public const int ParquetRowGroup = 10_000;

    public static async Task<IReadOnlyList<ExportFile>> WriteAsync(
        string folder, string format, IReadOnlyList<Table> tables, IAsyncEnumerable<(string Table, object?[] Row)> rows,
        Action<long>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var sinks = tables.ToDictionary(t => t.Name, t => format == "parquet"
            ? (ISink)new ParquetSink(Path.Combine(folder, t.Name + ".parquet"), t)
            : new CsvSink(Path.Combine(folder, t.Name + ".csv"), t));
        long written = 0;
        try
        {
            await foreach (var (table, row) in rows.WithCancellation(ct))
            {
                await sinks[table].AddAsync(row, ct);
                if (++written % 10_000 == 0)
                {
                    progress?.Invoke(written);
                }
            }
        }
        finally
        {
            foreach (var sink in sinks.Values)
            {
                await sink.DisposeAsync();
            }
        }

        var files = new List<ExportFile>();
        foreach (var table in tables)
        {
            var name = table.Name + (format == "parquet" ? ".parquet" : ".csv");
            files.Add(new ExportFile(name, sinks[table.Name].Rows, await HashAsync(Path.Combine(folder, name), ct)));
        }

        var dictionary = Path.Combine(folder, "dictionary.csv");
        await using (var stream = File.Create(dictionary))
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions()))
        {
            csv.WriteHeader(["file", "column", "type", "unit", "meaning", "freetext"]);
            var rowsWritten = 0;
            foreach (var table in tables)
            {
                foreach (var column in table.Columns)
                {
                    csv.WriteRecord([files.Single(f => f.Name.StartsWith(table.Name + ".", StringComparison.Ordinal)).Name, column.Name,
                        column.Type.ToString().ToLowerInvariant(), column.Unit ?? "", column.Meaning, column.FreeText ? "Y" : "N"]);
                    rowsWritten++;
                }
            }

            files.Add(new ExportFile("dictionary.csv", rowsWritten, ""));
        }

        files[^1] = files[^1] with { Sha256 = await HashAsync(dictionary, ct) };
        return files;
    }

    /// <summary>One NDJSON file per FHIR resource type, and a dictionary of what each type holds.</summary>
    public static async Task<IReadOnlyList<ExportFile>> WriteFhirAsync(
        string folder, IAsyncEnumerable<Hl7.Fhir.Model.Resource> resources, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var writers = FhirExport.ResourceTypes.ToDictionary(
            t => t, t => new StreamWriter(Path.Combine(folder, t + ".ndjson")) { NewLine = "\n" });
        var counts = FhirExport.ResourceTypes.ToDictionary(t => t, _ => 0L);
        try
        {
            await foreach (var resource in resources.WithCancellation(ct))
            {
                await writers[resource.TypeName].WriteLineAsync(FhirExport.Serialize(resource));
                counts[resource.TypeName]++;
            }
        }
        finally
        {
            foreach (var writer in writers.Values)
            {
                await writer.DisposeAsync();
            }
        }

        var files = new List<ExportFile>();
        foreach (var type in FhirExport.ResourceTypes)
        {
            files.Add(new ExportFile(type + ".ndjson", counts[type], await HashAsync(Path.Combine(folder, type + ".ndjson"), ct)));
        }

        var dictionary = Path.Combine(folder, "dictionary.csv");
        string[][] entries =
        [
            ["Patient.ndjson", "Patient", "One per subject; id is the pseudonymous key (usubjid); gender only."],
            ["ResearchSubject.ndjson", "ResearchSubject",
                "The subject's participation: status (candidate, on-study, withdrawn, off-study), cohort, and therapy line " +
                "(assignedArm: standalone or addon)."],
            ["MedicationAdministration.ndjson", "MedicationAdministration",
                "Each IL-2 dose: product, route, dose in [iU] (UCUM); effective date shifted (study day 1 = 2000-01-01) or year only."],
            ["Observation.ndjson", "Observation",
                "Tregs % of CD4+ (local code TREGPCD4, method = gating), Tregs /uL (TREGCNT), Tconv % of CD4+ (TCONVPCD), " +
                "CD4+ /uL (LOINC 24467-3), age at enrolment (LOINC 30525-0, over 89 given as 90), " +
                "disease activity scores (urn:registry:instrument); dates shifted as above."],
            ["AdverseEvent.ndjson", "AdverseEvent",
                "Each adverse event: MedDRA preferred term when coded, seriousness, outcome, shifted onset date, severity from " +
                "the worst CTCAE grade, WHO-UMC causality (suspectEntity), and extensions for the grades, expectedness, " +
                "seriousness criteria and action taken (docs/fhir.md); verbatim term only with free text."],
        ];
        await using (var stream = File.Create(dictionary))
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions()))
        {
            csv.WriteHeader(["file", "resourceType", "meaning"]);
            foreach (var entry in entries)
            {
                csv.WriteRecord(entry);
            }
        }

        files.Add(new ExportFile("dictionary.csv", entries.Length, await HashAsync(dictionary, ct)));
        return files;
    }

    public static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream, ct)).ToLowerInvariant();
    }

    private interface ISink : IAsyncDisposable
    {
        long Rows { get; }

        ValueTask AddAsync(object?[] row, CancellationToken ct);
    }

    private sealed class CsvSink : ISink
    {
        private readonly FileStream _stream;
        private readonly CsvWriter _csv;

        public CsvSink(string path, Table table)
        {
            _stream = File.Create(path);
            _csv = CsvWriter.Create(_stream, new CsvWriterOptions());
            _csv.WriteHeader(table.Columns.Select(c => c.Name).ToArray());
        }

        public long Rows { get; private set; }

        public ValueTask AddAsync(object?[] row, CancellationToken ct)
        {
            // Text columns only are neutralised (CsvText): numbers and dates go out as they are.
            _csv.WriteRecord(row.Select(v => v is string text ? CsvText.Neutralise(text) : ExportTables.Format(v)).ToArray());
            Rows++;
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            _csv.Dispose();
            await _stream.DisposeAsync();
        }
    }

    /// <summary>Buffers one row group at a time, so memory stays flat however large the table.</summary>
    private sealed class ParquetSink(string path, Table table) : ISink
    {
        private readonly List<object?[]> _buffer = [];
        private readonly DataField[] _fields = table.Columns.Select(c => c.Type switch
        {
            ColumnType.Integer => (DataField)new DataField<long?>(c.Name),
            ColumnType.Number => new DataField<double?>(c.Name),
            _ => new DataField<string>(c.Name, true),
        }).ToArray();

        private FileStream? _stream;
        private ParquetWriter? _writer;

        public long Rows { get; private set; }

        public async ValueTask AddAsync(object?[] row, CancellationToken ct)
        {
            _buffer.Add(row);
            Rows++;
            if (_buffer.Count >= ParquetRowGroup)
            {
                await FlushAsync(ct);
            }
        }

        private async Task FlushAsync(CancellationToken ct)
        {
            _stream ??= File.Create(path);
            _writer ??= await ParquetWriter.CreateAsync(new ParquetSchema(_fields), _stream, cancellationToken: ct);
            using var group = _writer.CreateRowGroup();
            for (var i = 0; i < _fields.Length; i++)
            {
                var column = i;
                switch (table.Columns[i].Type)
                {
                    case ColumnType.Integer:
                        await group.WriteAsync<long>(
                            _fields[i],
                            _buffer
                                .Select(r => r[column] is null ? (long?)null : Convert.ToInt64(r[column], CultureInfo.InvariantCulture))
                                .ToArray(),
                            cancellationToken: ct);
                        break;
                    case ColumnType.Number:
                        await group.WriteAsync<double>(
                            _fields[i],
                            _buffer
                                .Select(r => r[column] is null ? (double?)null : Convert.ToDouble(r[column], CultureInfo.InvariantCulture))
                                .ToArray(),
                            cancellationToken: ct);
                        break;
                    default:
                        await group.WriteAsync(
                            _fields[i], _buffer.Select(r => r[column] is null ? null : ExportTables.Format(r[column])).ToArray());
                        break;
                }
            }

            _buffer.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            if (_buffer.Count > 0 || _writer is null)
            {
                await FlushAsync(CancellationToken.None);
            }

            if (_writer is not null)
            {
                await _writer.DisposeAsync();
            }

            if (_stream is not null)
            {
                await _stream.DisposeAsync();
            }
        }
    }
}
