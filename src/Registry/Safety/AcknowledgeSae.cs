using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Registry.Access;
using Wolverine.Http;

namespace Registry.Safety;

public static class AcknowledgeSaeEndpoint
{
    [WolverinePost("/api/safety/sae/{adverseEventId}/acknowledgement", OperationId = "acknowledgeSae")]
    [EndpointSummary("Acknowledge a serious adverse event.")]
    [Authorize(Policy = Policies.Pv)]
    [ProducesResponseType<SaeActionRecorded>(StatusCodes.Status201Created)]
    public static Task<IResult> Post(Guid adverseEventId, IDocumentSession session, HttpContext http, TimeProvider time) =>
        SaeCaseActions.ActAsync(adverseEventId, new { acknowledge = adverseEventId }, session, http, time, (clock, _) =>
            clock.Status == SaeStatus.AwaitingAcknowledgement
                ? (new SaeAcknowledged(adverseEventId, clock.PatientId), null)
                : (null, SaeCaseActions.Conflict($"The case is {clock.Status}: there is nothing to acknowledge.")));
}
