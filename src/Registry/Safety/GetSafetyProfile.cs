using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Registry.Access;
using Registry.Catalogue;
using Registry.Cohorts;
using Registry.Patients;
using Wolverine.Http;

namespace Registry.Safety;

public static class GetSafetyProfileEndpoint
{
    [WolverineGet("/api/safety/profile", OperationId = "getSafetyProfile")]
    [EndpointSummary("Get the safety profile.")]
    [Authorize(Policy = Policies.Safety)]
    public static async Task<IResult> Get(
        IQuerySession session, TimeProvider time, DiseaseCatalogue catalogue, FiguresCache cache, Freshness freshness,
        System.Security.Claims.ClaimsPrincipal user, string? diseaseCode, string? siteId, string? asOf, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(diseaseCode) && catalogue.FindDisease(diseaseCode) is null)
        {
            return Results.Problem(
                Infrastructure.ValidationErrors.Single("diseaseCode", $"'{diseaseCode}' is not in the disease catalogue."));
        }

        if (asOf is not null)
        {
            // As the registry knew it then, cut off at that day (UTC): from the log, DOMAIN.md's definitions in memory.
            var (point, instant, invalid) = await CohortAsOf.ResolveAsync(session, asOf, time, ct);
            if (point is null)
            {
                return Results.Problem(invalid!);
            }

            var cutOff = DateOnly.FromDateTime((point.At ?? time.GetUtcNow()).UtcDateTime);
            return Results.Ok(await CohortAsOf.KeptAsync(session, cache, $"safety-profile|{diseaseCode}|{siteId}|{cutOff:yyyy-MM-dd}",
                point, instant, async () =>
                {
                    var then = await CohortAsOf.FactsAsync(session, Caller.From(user),
                        string.IsNullOrEmpty(diseaseCode) ? null : diseaseCode, null, string.IsNullOrEmpty(siteId) ? null : siteId,
                        point.Sequence, instant, ct);
                    return SafetyProfile.Compute(
                        string.IsNullOrEmpty(diseaseCode) ? null : diseaseCode, [.. then.Select(p => p.Facts)], cutOff, point);
                }, ct));
        }

        // The progress first (caught up with every committed write): the facts loaded afterwards reflect at least the events it names.
        var progress = await freshness.FactsAsync(session, ct);
        var today = LiveCutOff.Today(time);

        // The parts are the whole registry's (the safety roles see every site), so are their versions. Each disease's part
        // is kept under its cohort's version and the cut-off: after a new event, only its disease
        // is read again; the parts add up to the profile.
        var versions = await CohortFigureQuery.VersionsAsync(session, null, null, siteId,
            string.IsNullOrEmpty(diseaseCode) ? null : [diseaseCode], ct);
        // The profile itself is kept too, under all its parts' versions: asked again with nothing new, nothing is added up.
        var key = $"safety-profile|{diseaseCode}|{siteId}|{today:yyyy-MM-dd}";
        var all = string.Join(',', versions.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"));
        if (!cache.TryGet(key, all, out ProfileFigures? profile))
        {
            var parts = await cache.PerCohortAsync($"safety-part|{siteId}|{today:yyyy-MM-dd}", versions,
                stale => SafetyQuery.ProfilePartsAsync(session, stale, siteId, today, ct), _ => new ProfilePart(0, 0, 0, 0));
            profile = SafetyQuery.Profile(parts.Values, diseaseCode, today, progress);
            cache.Set(key, all, profile);
        }

        return Results.Ok(profile! with { AsOf = progress });
    }
}
