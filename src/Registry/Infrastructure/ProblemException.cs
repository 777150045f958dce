using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Registry.Infrastructure;

/// <summary>An outcome found after the request's checks (a conflict at commit time, say), answered as a problem.</summary>
public sealed class ProblemException(ProblemDetails problem) : Exception(problem.Title)
{
    public ProblemDetails Problem { get; } = problem;
}

/// <summary>Writes <see cref="ProblemException"/>s as RFC 9457 problems; anything else stays a 500.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not ProblemException known)
        {
            return false;
        }

        httpContext.Response.StatusCode = known.Problem.Status ?? StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = known.Problem });
    }
}
