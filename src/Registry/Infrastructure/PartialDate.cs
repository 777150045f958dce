using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Infrastructure;

/// <summary>
/// A date known only to the month or the year (ISO 8601 reduced precision: <c>2026-03</c>, <c>2026</c>), or a full date
/// (<c>2026-03-05</c>). Sites record what they know, never an invented day; computations impute conservatively as
/// DOMAIN.md says (<see cref="ImputeStart"/>, <see cref="ImputeEnd"/>) and exports flag what was imputed.
/// (A value type of the registry's JSON dialect, beside the body check that knows it, hence in Infrastructure.)
/// Stored and sent as that text, so a full date reads exactly as a <see cref="DateOnly"/> did.
/// </summary>
[JsonConverter(typeof(PartialDateConverter))]
public readonly record struct PartialDate : IComparable<PartialDate>
{
    public PartialDate(int year, int? month = null, int? day = null)
    {
        if (year is < 1 or > 9999 || month is < 1 or > 12 || (day is not null && month is null)
            || day is < 1 || (day is { } d && d > DateTime.DaysInMonth(year, month!.Value)))
        {
            throw new ArgumentOutOfRangeException(nameof(year), "Not a calendar date.");
        }

        (Year, Month, Day) = (year, month, day);
    }

    /// <summary>What the entry forms say under a field that takes a partial date.</summary>
    public const string FormHint = "yyyy-mm-dd; yyyy-mm or yyyy when only the month or the year is known.";

    public int Year { get; }

    public int? Month { get; }

    public int? Day { get; }

    public bool IsFull => Day is not null;

    /// <summary>The first day the date can be.</summary>
    public DateOnly First => new(Year, Month ?? 1, Day ?? 1);

    /// <summary>The last day the date can be.</summary>
    public DateOnly Last => Day is not null ? First
        : Month is { } m ? new DateOnly(Year, m, DateTime.DaysInMonth(Year, m))
        : new DateOnly(Year, 12, 31);

    public bool Contains(DateOnly date) => First <= date && date <= Last;

    /// <summary>
    /// A partial onset or start: the earliest day it can be that is not before the first dose when the known part holds
    /// the first dose (so an event in the month of the first dose counts as treatment-emergent), else the period's first
    /// day. <paramref name="notAfter"/> is the latest day it can be, from the dates known with it (a resolution or stop,
    /// the day the site became aware): when the first dose falls after that, the start was before the first dose.
    /// </summary>
    public DateOnly ImputeStart(DateOnly? firstDose, DateOnly? notAfter = null) =>
        IsFull ? First
        : firstDose is { } dose && Contains(dose) && (notAfter is not { } latest || dose <= latest) ? dose
        : First;

    /// <summary>A partial end: the period's last day, but not after <paramref name="ceiling"/> (the data cut-off or death).</summary>
    public DateOnly ImputeEnd(DateOnly? ceiling) =>
        IsFull ? First : ceiling is { } c && Contains(c) ? c : Last;

    /// <summary>The ADaM imputation flag: <c>D</c> the day was imputed, <c>M</c> month and day; null for a full date.</summary>
    public string? Imputed => Day is not null ? null : Month is not null ? "D" : "M";

    public static implicit operator PartialDate(DateOnly date) => new(date.Year, date.Month, date.Day);

    public static bool TryParse(string? text, out PartialDate date)
    {
        date = default;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split('-');
        int? Part(int i, int length) => parts[i].Length == length && parts[i].All(char.IsAsciiDigit)
            ? int.Parse(parts[i], CultureInfo.InvariantCulture)
            : null;
        if (parts.Length is < 1 or > 3 || Part(0, 4) is not { } year)
        {
            return false;
        }

        int? month = parts.Length > 1 ? Part(1, 2) ?? 0 : null;
        int? day = parts.Length > 2 ? Part(2, 2) ?? 0 : null;
        if (year < 1 || month is < 1 or > 12 || day is < 1 || (day is { } d && d > DateTime.DaysInMonth(year, month!.Value)))
        {
            return false;
        }

        date = new PartialDate(year, month, day);
        return true;
    }

    public override string ToString() =>
        Day is { } d ? $"{Year:D4}-{Month:D2}-{d:D2}" : Month is { } m ? $"{Year:D4}-{m:D2}" : $"{Year:D4}";

    /// <summary>Orders by the first day each can be, then the more precise first.</summary>
    public int CompareTo(PartialDate other)
    {
        var first = First.CompareTo(other.First);
        return first != 0 ? first : Last.CompareTo(other.Last);
    }
}

public sealed class PartialDateConverter : JsonConverter<PartialDate>
{
    public override PartialDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && PartialDate.TryParse(reader.GetString(), out var date)
            ? date
            : throw new JsonException("A date is yyyy-MM-dd, or yyyy-MM or yyyy when only the month or the year is known.");

    public override void Write(Utf8JsonWriter writer, PartialDate value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
