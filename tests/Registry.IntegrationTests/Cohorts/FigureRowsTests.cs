using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Demo;
using Registry.Infrastructure;
using Registry.IntegrationTests.Infrastructure;
using Registry.Patients;
using Registry.Safety;

namespace Registry.IntegrationTests.Cohorts;

/// <summary>
/// The figures the endpoints serve come from PostgreSQL's aggregates of the figure rows; the definition is the
/// in-memory computation over the patients' facts. On a generated basket registry, for every disease and filter,
/// both give the same summary, and the rows follow the facts through deletes and truncation.
/// </summary>
public sealed class FigureRowsTests(RegistryApp app) : ApiTest(app)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(RegistryApp.Now.UtcDateTime);

    [Fact]
    public async Task postgresql_aggregates_of_the_figure_rows_equal_the_figures_computed_from_the_facts()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var figures = Host.Services.GetRequiredService<CohortFigures>();
        var import = new BulkImport(App.Store, catalogue, App.Clock);
        await import.ImportAsync(new BasketGenerator(catalogue, 7, Today).Patients(240, 4), 30, null, CancellationToken.None);
        await App.WaitForProjectionsAsync();

        await using var session = App.Store.QuerySession();
        var facts = await session.Query<PatientFacts>().ToListAsync();
        var asOf = new AsOf(1, null);
        var sites = facts.Select(f => f.SiteId).Distinct().Order(StringComparer.Ordinal).ToList();
        var everyone = new Caller("monitor", Roles.Monitor, new HashSet<string>());
        var oneSite = new Caller("nurse", Roles.Site, new HashSet<string> { sites[0] });
        var compared = 0;
        foreach (var (caller, line, site) in new (Caller, string?, string?)[]
                 {
                     (everyone, null, null), (everyone, "addon", null), (everyone, "standalone", sites[^1]), (oneSite, null, null),
                 })
        {
            var scope = facts.Where(f => caller.MaySee(f.SiteId) && (site is null || f.SiteId == site)
                && (line is null || Kebab.Name(f.TherapyLine) == line)).ToList();
            foreach (var disease in scope.Select(f => f.DiseaseCode).Distinct())
            {
                var patients = scope.Where(f => f.DiseaseCode == disease).ToList();
                var aggregates = await CohortFigureQuery.AggregateAsync(session, caller, line, site, [disease],
                    figures.Measures([disease], detail: true), figures.TregDays(detail: true), CancellationToken.None);
                var atTarget = await CohortFigureQuery.AtTargetAsync(session, caller, line, site, disease,
                    PatientFigureRows.Clinical("cgi-i"), CancellationToken.None);
                var fromRows = figures.FromAggregates(disease, new CohortAggregates(aggregates[disease].All, atTarget), asOf, detail: true);
                var fromFacts = figures.Summarise(disease, patients, asOf, detail: true);

                Assert.Equal(Json(fromFacts), Json(fromRows));
                compared++;
            }
        }

        Assert.True(compared >= 10, $"only {compared} cohorts compared");
        var evaluable = await session.AdvancedSql.QueryAsync<long>(
            $"select count(*) from {RegistrySchema.Name}.cohort_figure_rows where measure = 'treg' and value is not null",
            CancellationToken.None);
        Assert.True(evaluable[0] > 20, $"only {evaluable[0]} evaluable Treg rows");
    }

    [Fact]
    public async Task the_safety_profile_and_signals_from_the_exposure_and_teae_rows_equal_those_computed_from_the_facts()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var import = new BulkImport(App.Store, catalogue, App.Clock);
        await import.ImportAsync(new BasketGenerator(catalogue, 5, Today).Patients(300, 3), 30, null, CancellationToken.None);
        await App.WaitForProjectionsAsync();

        await using var session = App.Store.QuerySession();
        var facts = await session.Query<PatientFacts>().ToListAsync();
        var asOf = new AsOf(1, null);
        var diseases = facts.Select(f => f.DiseaseCode).Distinct().Order(StringComparer.Ordinal).ToList();
        var site = facts[0].SiteId;
        foreach (var cutOff in new[] { Today, Today.AddDays(-120), Today.AddDays(-400) })
        {
            foreach (var (disease, siteId) in diseases.Select(d => ((string?)d, (string?)null)).Append((null, null)).Append((diseases[0], site)))
            {
                var scope = facts.Where(f => (disease is null || f.DiseaseCode == disease) && (siteId is null || f.SiteId == siteId)).ToList();
                var fromFacts = SafetyProfile.Compute(disease, scope, cutOff, asOf);
                var fromRows = await SafetyQuery.ProfileAsync(session, disease, siteId, cutOff, asOf, CancellationToken.None);

                Assert.Equal(Json(fromFacts), Json(fromRows));
            }

            Assert.Equal(Json(Signals.Compute(facts, cutOff)), Json(await SafetyQuery.SignalsAsync(session, cutOff, CancellationToken.None)));
        }

        var everything = SafetyProfile.Compute(null, facts, Today, asOf);
        Assert.True(everything.Events > 50 && everything.SeriousEvents > 0 && everything.BySoc.Count >= 2 && everything.DiscontinuationsDueToAe > 0,
            Json(everything));
        Assert.NotEmpty(Signals.Compute(facts, Today));
    }

    [Fact]
    public async Task the_sae_clocks_from_the_sae_rows_equal_those_computed_from_the_facts_and_every_ae_has_its_owner()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var import = new BulkImport(App.Store, catalogue, App.Clock);
        await import.ImportAsync(new BasketGenerator(catalogue, 9, Today).Patients(200, 3), 30, null, CancellationToken.None);
        await import.RebuildInlineProjectionsAsync(CancellationToken.None);
        await App.WaitForProjectionsAsync();

        await using var session = App.Store.QuerySession();
        var facts = await session.Query<PatientFacts>().ToListAsync();
        var zones = (await session.Query<Registry.Sites.Site>().ToListAsync()).ToDictionary(s => s.Id, s => s.TimeZone);
        var fromFacts = SaeClocks.All(facts, new Dictionary<Guid, SaeCaseRecord>(), zones, App.Clock.GetUtcNow())
            .OrderBy(c => c.AdverseEventId).ToList();
        var fromRows = (await new SaeClockQuery(new FiguresCache(), App.Clock).LoadAsync(session, CancellationToken.None))
            .OrderBy(c => c.AdverseEventId).ToList();

        Assert.True(fromFacts.Count > 5, $"only {fromFacts.Count} SAEs");
        Assert.Equal(Json(fromFacts), Json(fromRows));

        // The owners the inline projection keeps are those the upgrade's backfill (migrations/0009) finds in the log.
        var recorded = await session.AdvancedSql.QueryAsync<long>(
            $"select count(*) from {RegistrySchema.Name}.mt_events where type = 'adverse_event_recorded'", CancellationToken.None);
        Assert.Equal(recorded[0], await session.Query<AdverseEventOwner>().CountAsync());
        Assert.All(fromRows, c => Assert.NotNull(session.LoadAsync<AdverseEventOwner>(c.AdverseEventId).Result));
    }

    [Fact]
    public async Task the_rows_follow_the_facts_documents_when_they_are_deleted_or_truncated()
    {
        var catalogue = Host.Services.GetRequiredService<DiseaseCatalogue>();
        var import = new BulkImport(App.Store, catalogue, App.Clock);
        await import.ImportAsync(new BasketGenerator(catalogue, 11, Today).Patients(6, 1), 30, null, CancellationToken.None);
        await App.WaitForProjectionsAsync();
        await using var session = App.Store.LightweightSession();
        var facts = await session.Query<PatientFacts>().ToListAsync();
        Assert.Equal(facts.Count, await RowsAsync(session, PatientFigureRows.Patient));
        var before = await VersionsAsync(session);
        Assert.True(before.Count > 1, "the patients are in one cohort only");

        session.Delete<PatientFacts>(facts[0].Id);
        await session.SaveChangesAsync();
        Assert.Equal(facts.Count - 1, await RowsAsync(session, PatientFigureRows.Patient));
        // Only the cohort the patient left has a new version: the others' kept figures stay current.
        var afterDelete = await VersionsAsync(session);
        Assert.All(before, v => Assert.Equal(
            v.Key == facts[0].DiseaseCode, long.Parse(afterDelete[v.Key], CultureInfo.InvariantCulture) > long.Parse(v.Value, CultureInfo.InvariantCulture)));

        await App.Store.Advanced.Clean.DeleteDocumentsByTypeAsync(typeof(PatientFacts));
        Assert.Equal(0, await RowsAsync(session, PatientFigureRows.Patient));
        var afterTruncate = await VersionsAsync(session);
        Assert.All(afterDelete, v => Assert.True(
            long.Parse(afterTruncate[v.Key], CultureInfo.InvariantCulture) > long.Parse(v.Value, CultureInfo.InvariantCulture)));
    }

    private static Task<IReadOnlyDictionary<string, string>> VersionsAsync(IQuerySession session) =>
        CohortFigureQuery.VersionsAsync(session, new Caller("monitor", Roles.Monitor, new HashSet<string>()), null, null, null, CancellationToken.None);

    private static async Task<long> RowsAsync(IQuerySession session, string measure) =>
        (await session.AdvancedSql.QueryAsync<long>(
            $"select count(*) from {RegistrySchema.Name}.cohort_figure_rows where measure = ?", CancellationToken.None, measure))[0];

    private static string Json<T>(T figures) => JsonSerializer.Serialize(figures, RegistryJson.Options);
}
