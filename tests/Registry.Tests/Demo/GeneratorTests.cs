using System.Text.Json;
using Registry.Catalogue;
using Registry.Demo;
using Registry.Infrastructure;
using Registry.Patients;

namespace Registry.Tests.Demo;

public sealed class GeneratorTests
{
    private static readonly DiseaseCatalogue Catalogue = DiseaseCatalogue.LoadSeed();
    private static readonly DateOnly Today = new(2026, 11, 29);

    private static string Serialize(IEnumerable<GeneratedPatient> patients) =>
        JsonSerializer.Serialize(patients.Select(p => new { p.Enrolment, Steps = p.Steps.Select(s => (object)s).ToList() }), RegistryJson.Options);

    [Fact]
    public void the_same_seed_gives_the_same_registry_and_another_seed_another()
    {
        var a = Serialize(new BasketGenerator(Catalogue, 7, Today).Patients(40, 3));
        var b = Serialize(new BasketGenerator(Catalogue, 7, Today).Patients(40, 3));
        var c = Serialize(new BasketGenerator(Catalogue, 8, Today).Patients(40, 3));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void every_generated_step_passes_the_registrys_rules()
    {
        var import = new BulkImport(null!, Catalogue, TimeProvider.System);
        var patients = new BasketGenerator(Catalogue, 11, Today).Patients(300, 4).ToList();

        var events = patients.Select(p => import.Decide(p, Today).Events).ToList();

        Assert.Equal(300, events.Count);
        Assert.All(events, e => Assert.IsType<PatientEnrolled>(e[0]));
        var all = events.SelectMany(e => e).ToList();
        // The shape of the trials: most patients dosed, a third with injection-site reactions, a few corrections and voids.
        Assert.True(all.OfType<DoseAdministered>().Select(d => d.Data.GivenOn).Any());
        var withIsr = events.Count(e => e.OfType<AdverseEventRecorded>().Any(a => a.Data.MeddraPtCode == "10022061"));
        Assert.InRange(withIsr, 50, 130);
        Assert.Contains(all, e => e is EntryCorrected);
        Assert.Contains(all, e => e is PatientWithdrawn);
        Assert.Contains(all, e => e is PatientCompleted);
        Assert.Contains(all, e => e is AdverseEventRecorded { Data.SeriousCriteria.Count: > 0 });
    }

    [Fact]
    public void treg_kinetics_look_like_the_trials()
    {
        var import = new BulkImport(null!, Catalogue, TimeProvider.System);
        var response = new Registry.Cohorts.Response(new Registry.Cohorts.ResponseOptions());
        var facts = new BasketGenerator(Catalogue, 5, Today).Patients(200, 2)
            .Select(p => ToFacts(import.Decide(p, Today).Events))
            .ToList();

        var outcomes = facts.Select(f => response.Treg(f, 8)).Where(o => o.Evaluable).ToList();
        var baselines = facts.Select(f => response.TregBaseline(f)?.TregPercentOfCd4).OfType<decimal>().ToList();

        Assert.All(baselines, b => Assert.InRange(b, 3.5m, 8.5m));
        Assert.InRange((double)outcomes.Count(o => o.Responder) / outcomes.Count, 0.65, 0.92);
    }

    private static Registry.Patients.PatientFacts ToFacts(List<object> events)
    {
        var projection = new Registry.Patients.PatientFactsProjection();
        Registry.Patients.PatientFacts? facts = null;
        var id = ((PatientEnrolled)events[0]).PatientId;
        for (var i = 0; i < events.Count; i++)
        {
            var e = (JasperFx.Events.IEvent)Activator.CreateInstance(typeof(JasperFx.Events.Event<>).MakeGenericType(events[i].GetType()), events[i])!;
            e.Version = i + 1;
            e.Sequence = i + 1;
            facts = projection.Evolve(facts, id, e);
        }

        return facts!;
    }
}
