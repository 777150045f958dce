using Registry.Infrastructure;
namespace Registry.Patients;

public enum ColumnType
{
    Text,
    Integer,
    Number,
}

/// <summary>One column of an export table, as the data dictionary describes it.</summary>
public sealed record Column(string Name, ColumnType Type, string? Unit, string Meaning, bool FreeText = false);

/// <summary>One table of an export (SDTM-like names), long format: one observation a row.</summary>
public sealed record Table(string Name, string Meaning, IReadOnlyList<Column> Columns);

/// <summary>
/// How an export is shaped, for the tables an entry kind describes: calendar years instead of study days,
/// and whether free text goes out. Day columns (…dy) become years (…yr) with years.
/// </summary>
public sealed record ExportShape(bool Years, bool FreeText)
{
    public static readonly Column Usubjid = new("usubjid", ColumnType.Text, null,
        "Pseudonymous subject key: keyed hash of the patient within the pseudonym scope; " +
        "not reversible without the registry's secret");

    public Column Day(string prefix, string meaning) => Years
        ? new($"{prefix}yr", ColumnType.Integer, "year", $"Calendar year of {meaning}")
        : new($"{prefix}dy", ColumnType.Integer, "study day",
            $"Study day of {meaning} (day 1 = first dose; no day 0; negative before it; relative to enrolment if never dosed)");

    /// <summary>
    /// The ADaM-style imputation flag of a date that may be partial (DOMAIN.md): the export carries the imputed study day
    /// (or the year, which is always known) and this flag, never a calendar date.
    /// </summary>
    public static Column Flag(string prefix, string meaning) => new($"{prefix}dtf", ColumnType.Text, null,
        $"Imputation flag of {meaning}: D when the day was imputed (known to the month), M when month and day were (known to the " +
        "year), empty when the date was complete");

    /// <summary>The free-text columns, only when the export includes free text.</summary>
    public IEnumerable<Column> Text(params Column[] columns) => FreeText ? columns : [];

    /// <summary>A row with its free-text cells appended when the export includes free text.</summary>
    public object?[] WithText(object?[] row, params object?[] text) => FreeText ? [.. row, .. text] : row;
}

/// <summary>
/// One patient as an export sees it: the pseudonymous key, the state as of the export's point, and its
/// dates as study days (or years) from the first dose. An entry kind turns it into its table's rows.
/// </summary>
public sealed record ExportPatient(string Key, PatientState State, ExportShape Shape, DateOnly Anchor, DateOnly? FirstDose = null)
{
    public int? Day(DateOnly? date) => date is not { } d ? null : Shape.Years ? d.Year : StudyDays.Of(Anchor, d);

    /// <summary>The day of an onset or start, imputed when partial (<see cref="PartialDate.ImputeStart"/>).</summary>
    public int? StartDay(PartialDate? date, DateOnly? notAfter = null) => Day(date?.ImputeStart(FirstDose, notAfter));

    /// <summary>The day of a resolution or stop, imputed when partial (<see cref="PartialDate.ImputeEnd"/>).</summary>
    public int? EndDay(PartialDate? date) => Day(date?.ImputeEnd(null));
}

/// <summary>The disposition table (ds), shared by the two kinds that end a patient's follow-up.</summary>
public static class Disposition
{
    public static Table Table(ExportShape shape) => new("ds", "Disposition: withdrawal or completion",
    [
        ExportShape.Usubjid,
        new("dsdecod", ColumnType.Text, null, "completed, or the withdrawal reason code"),
        shape.Day("dsst", "the withdrawal or completion"),
        .. shape.Text(new Column("dsterm", ColumnType.Text, null, "Reason as the site wrote it (free text)", FreeText: true)),
    ]);

    /// <summary>The patient's disposition row when the entry that ended follow-up is of <paramref name="kind"/>.</summary>
    public static IEnumerable<object?[]> Rows(ExportPatient p, EntryKind kind, Func<StateEntry, (string Decod, string? Term)> describe)
    {
        if (p.State.Ended is { } ended && ended.Kind == kind)
        {
            var (decod, term) = describe(p.State.Entries[ended.EntryId]);
            yield return p.Shape.WithText([p.Key, decod, p.Day(ended.On)], term);
        }
    }
}
