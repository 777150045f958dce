using System.Globalization;
using Registry.Patients;

namespace Registry.Exports;

/// <summary>
/// The export's tables and columns: the subjects (dm) here, then each entry kind's table, in the order of
/// <see cref="EntryKinds.All"/>. Day columns (…dy) become years (…yr) with <c>dates: year</c>.
/// </summary>
public static class ExportTables
{
    public static ExportShape ShapeOf(ExportDefinition export) => new(export.Dates == "year", export.IncludeFreeText);

    public static IReadOnlyList<Table> All(bool years, bool freeText)
    {
        var shape = new ExportShape(years, freeText);
        return
        [
            new("dm", "Subjects (demographics), one row per patient",
            [
                ExportShape.Usubjid,
                new("siteid", ColumnType.Text, null, "Site id"),
                new("disease", ColumnType.Text, null, "Disease cohort (catalogue code)"),
                new("sex", ColumnType.Text, null, "female, male, other or unknown"),
                new("age", ColumnType.Integer, "years", "Age at enrolment: enrolment year − birth year; over 89 given as 90"),
                new("therapyline", ColumnType.Text, null, "IL-2 as standalone or addon therapy"),
                new("setting", ColumnType.Text, null, "trial or routine care"),
                shape.Day("rfen", "enrolment"),
                new("treated", ColumnType.Text, null, "Y when at least one dose was given, else N"),
            ]),
            .. EntryKinds.All.Select(k => k.ExportTable(shape)).OfType<Table>().DistinctBy(t => t.Name),
            Signatures(shape),
        ];
    }

    /// <summary>The investigators' signatures of each record (21 CFR Part 11 §11.50): meaning, day, whether still in force.</summary>
    public static Table Signatures(ExportShape shape) => new("sg", "Investigator signatures of the record, oldest first",
    [
        ExportShape.Usubjid,
        new("sgmean", ColumnType.Text, null, "Meaning of the signature: review, approval or responsibility"),
        shape.Day("sg", "the signature (UTC date)"),
        new("sgtim", ColumnType.Text, null, "Time of the signature, UTC (HH:mm:ss)"),
        new("sgstat", ColumnType.Text, null, "valid, or broken when the record's data changed after it"),
        shape.Day("sgbr", "the change that broke the signature"),
        .. shape.Text(new Column("sgname", ColumnType.Text, null, "Signer's printed name (free text: names a person)", FreeText: true)),
    ]);

    public static IEnumerable<object?[]> SignatureRows(ExportPatient p) =>
        from s in p.State.Signatures
        select p.Shape.WithText(
            [p.Key, Infrastructure.Kebab.Name(s.Meaning), p.Day(DateOnly.FromDateTime(s.At.UtcDateTime)),
             s.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture), s.Valid ? "valid" : "broken",
             s.BrokenAt is { } broken ? p.Day(DateOnly.FromDateTime(broken.UtcDateTime)) : null],
            s.Name);

    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
