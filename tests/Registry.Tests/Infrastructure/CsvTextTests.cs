using Registry.Infrastructure;

namespace Registry.Tests.Infrastructure;

public sealed class CsvTextTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+33 1 23", "'+33 1 23")]
    [InlineData("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "'\r=1")]
    [InlineData("fever", "fever")]
    [InlineData("", "")]
    [InlineData("a=1", "a=1")]
    public void a_text_a_spreadsheet_would_run_gets_an_apostrophe_and_others_go_as_they_are(string given, string written) =>
        Assert.Equal(written, CsvText.Neutralise(given));
}
