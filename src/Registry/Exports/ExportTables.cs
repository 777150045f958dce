using System.Globalization;

namespace Registry.Exports;

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

/// <summary>The export's tables and columns. Day columns (…dy) become years (…yr) with <c>dates: year</c>.</summary>
public static class ExportTables
{
    public static readonly Column Usubjid = new("usubjid", ColumnType.Text, null,
        "Pseudonymous subject key: keyed hash of the patient within the pseudonym scope; " +
        "not reversible without the registry's secret");

    public static IReadOnlyList<Table> All(bool years, bool freeText)
    {
        Column Day(string prefix, string meaning) => years
            ? new($"{prefix}yr", ColumnType.Integer, "year", $"Calendar year of {meaning}")
            : new($"{prefix}dy", ColumnType.Integer, "study day",
                $"Study day of {meaning} (day 1 = first dose; no day 0; negative before it; relative to enrolment if never dosed)");

        IEnumerable<Column> Text(params Column[] columns) => freeText ? columns : [];

        return
        [
            new("dm", "Subjects (demographics), one row per patient",
            [
                Usubjid,
                new("siteid", ColumnType.Text, null, "Site id"),
                new("disease", ColumnType.Text, null, "Disease cohort (catalogue code)"),
                new("sex", ColumnType.Text, null, "female, male, other or unknown"),
                new("age", ColumnType.Integer, "years", "Age at enrolment: enrolment year − birth year; over 89 given as 90"),
                new("therapyline", ColumnType.Text, null, "IL-2 as standalone or addon therapy"),
                new("setting", ColumnType.Text, null, "trial or routine care"),
                Day("rfen", "enrolment"),
                new("treated", ColumnType.Text, null, "Y when at least one dose was given, else N"),
            ]),
            new("ex", "Exposure: every IL-2 dose given",
            [
                Usubjid, Day("exst", "the dose"),
                new("exdose", ColumnType.Integer, "IU", "Dose in international units"),
                new("exdosu", ColumnType.Text, null, "Dose unit (IU)"),
                new("exroute", ColumnType.Text, null, "Route"),
                new("phase", ColumnType.Text, null, "induction or maintenance"),
                new("exprod", ColumnType.Text, null, "Product"),
                new("exunusual", ColumnType.Text, null, "Y when outside 0.1–6 MIU and confirmed as intended"),
            ]),
            new("lb", "Laboratory results including Tregs: one row per measured value",
            [
                Usubjid,
                new("lbtestcd", ColumnType.Text, null,
                    "TREGPCD4 (Tregs, % of CD4+; local code), TREGCNT (Tregs /uL), CD4CNT (CD4+ /uL, LOINC 24467-3), " +
                    "TCONVPCD (conventional T cells, % of CD4+)"),
                new("lbloinc", ColumnType.Text, null, "LOINC code where one exists"),
                new("lborres", ColumnType.Number, null, "Result"),
                new("lborresu", ColumnType.Text, null, "Unit (UCUM): % or /uL"),
                Day("lb", "the sample"),
                new("gating", ColumnType.Text, null,
                    "Treg gating: cd4-cd25-foxp3, cd4-cd25hi-cd127lo or other (never pool levels of different gatings)"),
            ]),
            new("rs", "Disease activity scores",
            [
                Usubjid,
                new("rstestcd", ColumnType.Text, null, "Instrument (catalogue code)"),
                new("rsorres", ColumnType.Number, null, "Total score"),
                Day("rs", "the assessment"),
            ]),
            new("ae", "Adverse events, with follow-ups applied (worst grade, accumulated seriousness)",
            [
                Usubjid,
                new("aeptcd", ColumnType.Text, null, "MedDRA preferred-term code, when the site coded it"),
                new("aesoccd", ColumnType.Text, null, "MedDRA primary system organ class code"),
                new("aetoxgr", ColumnType.Integer, "CTCAE grade", "Worst CTCAE v5 grade"),
                new("aeser", ColumnType.Text, null, "Y when serious"),
                new("aesercrit", ColumnType.Text, null, "Seriousness criteria, |-separated"),
                new("aerel", ColumnType.Text, null, "Causality (WHO-UMC); empty when not assessed"),
                new("aeexp", ColumnType.Text, null, "Y expected, N unexpected, empty when not assessed"),
                new("aeout", ColumnType.Text, null, "Outcome"),
                Day("aest", "onset"),
                Day("aeen", "resolution"),
                .. Text(new Column("aeterm", ColumnType.Text, null, "Verbatim term as the site wrote it (free text)", FreeText: true)),
            ]),
            new("cm", "Concomitant medications",
            [
                Usubjid,
                new("cmclass", ColumnType.Text, null, "corticosteroid, csdmard, bdmard, jak-inhibitor or other"),
                new("cmdose", ColumnType.Number, null, "Dose"),
                new("cmdosu", ColumnType.Text, null, "Dose unit"),
                Day("cmst", "the start"),
                Day("cmen", "the stop"),
                .. Text(new Column("cmtrt", ColumnType.Text, null, "Drug name as the site wrote it (free text)", FreeText: true)),
            ]),
            new("ds", "Disposition: withdrawal or completion",
            [
                Usubjid,
                new("dsdecod", ColumnType.Text, null, "completed, or the withdrawal reason code"),
                Day("dsst", "the withdrawal or completion"),
                .. Text(new Column("dsterm", ColumnType.Text, null, "Reason as the site wrote it (free text)", FreeText: true)),
            ]),
        ];
    }

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
