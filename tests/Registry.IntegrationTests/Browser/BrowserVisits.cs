using System.Text.Json.Nodes;

namespace Registry.IntegrationTests.Browser;

/// <summary>What the cohort pages' tests record: days counted back from today (the browser's real clock) and a visit.</summary>
public static class BrowserVisits
{
    public static string DaysAgo(int days) => DateTime.UtcNow.AddDays(-days).ToString("yyyy-MM-dd");

    /// <summary>A visit with a Treg result (CD4+CD25+FOXP3+) and, when <paramref name="dose"/>, a dose of IL-2.</summary>
    public static JsonObject Visit(string date, decimal treg, bool dose) => new()
    {
        ["visitId"] = Guid.NewGuid(),
        ["visitDate"] = date,
        ["tregs"] = new JsonArray(new JsonObject { ["sampledOn"] = date, ["tregPercentOfCd4"] = treg, ["gating"] = "cd4-cd25-foxp3" }),
        ["doses"] = dose
            ? new JsonArray(new JsonObject { ["givenOn"] = date, ["doseIu"] = 1_000_000, ["product"] = "aldesleukin", ["phase"] = "induction" })
            : new JsonArray(),
    };
}
