namespace Registry.Infrastructure;

/// <summary>
/// CSV formula injection: a spreadsheet opening a CSV runs a cell that starts with <c>=</c>, <c>+</c>, <c>-</c>,
/// <c>@</c> (or a tab or carriage return before one) as a formula. Every text value the registry writes to CSV goes
/// through <see cref="Neutralise"/>, which puts an apostrophe in front of such a value (OWASP's advice: the
/// spreadsheet shows the text, and the apostrophe tells a reader it was added). Numbers, dates and codes are written
/// as they are: only text columns are touched, so <c>-1.5</c> stays a number.
/// </summary>
public static class CsvText
{
    public static string Neutralise(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
