using System.Reflection;
using NetArchTest.Rules;
using Registry.Patients;

namespace Registry.Tests.Architecture;

/// <summary>
/// Dependencies point one way (docs/architecture.md): the shared leaves (Infrastructure, Catalogue), then
/// Access, the write path (Writing) and Sites, then the patient core with its entry kinds and write use cases, then the read slices
/// (worklist, cohorts, safety, exports, reference), and the host that composes them all.
/// </summary>
public sealed class DependencyTests
{
    private static readonly Assembly Code = typeof(PatientState).Assembly;

    /// <summary>What each slice (the namespace under <c>Registry.</c>) may use besides itself.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Infrastructure"] = [],
        ["Catalogue"] = ["Infrastructure"],
        ["Access"] = ["Infrastructure"],
        ["Writing"] = ["Infrastructure", "Access"],
        ["Sites"] = ["Infrastructure", "Access", "Writing"],
        ["Identity"] = ["Infrastructure", "Access", "Writing", "Sites"],
        ["Patients"] = ["Infrastructure", "Catalogue", "Access", "Writing", "Sites"],
        ["Cohorts"] = ["Infrastructure", "Catalogue", "Access", "Sites", "Patients"],
        ["Worklist"] = ["Infrastructure", "Catalogue", "Access", "Sites", "Patients", "Cohorts"],
        ["Safety"] = ["Infrastructure", "Catalogue", "Access", "Writing", "Sites", "Patients", "Cohorts"],
        ["Exports"] = ["Infrastructure", "Catalogue", "Access", "Writing", "Sites", "Patients", "Cohorts", "Safety"],
        ["Reference"] = ["Infrastructure", "Catalogue", "Access", "Patients"],
        ["Demo"] = ["Infrastructure", "Catalogue", "Access", "Sites", "Patients"],
        ["Web"] = ["Infrastructure", "Access", "Identity"],
        ["Hosting"] = ["Infrastructure", "Catalogue", "Access", "Writing", "Sites", "Patients", "Cohorts", "Worklist", "Safety", "Exports", "Reference", "Demo", "Web", "Identity"],
    };

    private static string SliceOf(string? ns) => ns is null || !ns.StartsWith("Registry.", StringComparison.Ordinal)
        ? ""
        : ns["Registry.".Length..].Split('.')[0];

    private static bool DependsOn(string slice, string other) => !Types.InAssembly(Code)
        .That().ResideInNamespaceMatching($"^Registry\\.{slice}(\\..*)?$")
        .ShouldNot().HaveDependencyOn($"Registry.{other}")
        .GetResult().IsSuccessful;

    private static IEnumerable<string> Offenders(string slice, string other) => Types.InAssembly(Code)
        .That().ResideInNamespaceMatching($"^Registry\\.{slice}(\\..*)?$")
        .ShouldNot().HaveDependencyOn($"Registry.{other}")
        .GetResult().FailingTypeNames ?? [];

    [Fact]
    public void every_type_belongs_to_a_known_slice()
    {
        var unknown = Code.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Registry", StringComparison.Ordinal) == true)
            .Select(t => SliceOf(t.Namespace))
            .Where(s => !Allowed.ContainsKey(s))
            .Distinct()
            .ToList();

        Assert.True(unknown.Count == 0, $"Namespaces outside the slices of docs/architecture.md: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void each_slice_uses_only_the_slices_below_it()
    {
        var wrong = (from slice in Allowed.Keys
                     from other in Allowed.Keys
                     where other != slice && !Allowed[slice].Contains(other)
                     let offenders = Offenders(slice, other).ToList()
                     where offenders.Count > 0
                     select $"{slice} -> {other}: {string.Join(", ", offenders.Take(5))}").ToList();

        Assert.True(wrong.Count == 0, "Dependencies against the layering:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void the_slices_depend_on_each_other_without_a_cycle()
    {
        var graph = Allowed.Keys.ToDictionary(s => s, s => Allowed.Keys.Where(o => o != s && DependsOn(s, o)).ToList());
        var cycle = FindCycle(graph);

        // The scan sees real dependencies (it would pass vacuously if it saw none).
        Assert.Contains("Patients", graph["Hosting"]);
        Assert.Contains("Patients", graph["Safety"]);
        Assert.Contains("Access", graph["Patients"]);

        Assert.True(cycle is null, $"A cycle between slices: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void the_patient_core_and_its_entry_kinds_do_not_use_the_use_cases_built_on_them()
    {
        var useCases = Code.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(ns => ns.StartsWith("Registry.Patients.", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        var result = Types.InAssembly(Code)
            .That().ResideInNamespaceMatching("^Registry\\.Patients$")
            .ShouldNot().HaveDependencyOnAny(useCases)
            .GetResult();

        Assert.True(result.IsSuccessful, "The patient core uses: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void the_cycle_finder_finds_a_cycle()
    {
        var graph = new Dictionary<string, List<string>> { ["a"] = ["b"], ["b"] = ["c"], ["c"] = ["a"], ["d"] = [] };

        Assert.Equal(["a", "b", "c", "a"], FindCycle(graph));
        Assert.Null(FindCycle(new Dictionary<string, List<string>> { ["a"] = ["b"], ["b"] = [] }));
    }

    private static List<string>? FindCycle(Dictionary<string, List<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph[node])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        return graph.Keys.Order(StringComparer.Ordinal).Where(n => state.GetValueOrDefault(n) == 0).Select(Visit).FirstOrDefault(c => c is not null);
    }
}
