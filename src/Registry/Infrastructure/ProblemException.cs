using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Registry.Infrastructure;

/// <summary>An outcome found after the request's checks (a conflict at commit time, say), answered as a problem.</summary>
public sealed class ProblemException(ProblemDetails problem) : Exception(problem.Title)
{
    public ProblemDetails Problem { get; } = problem;
}

/// <summary>
/// Writes <see cref="ProblemException"/>s as RFC 9457 problems; what Kestrel refused while reading the
/// request with its own status; and a database that cannot be reached as 503 with <c>Retry-After</c>
/// (the connection broke: the write may or may not have committed, so clients retry with the same ids
/// or <c>Idempotency-Key</c>, which answer a committed write as the first time); anything else stays a 500.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        if (exception is ProblemException known)
        {
            problem = known.Problem;
            if (problem.Status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests)
            {
                httpContext.Response.Headers.RetryAfter = "5";
            }
        }
        else if (exception is BadHttpRequestException bad)
        {
            // What Kestrel refused while the request was read (a body past its limit, a connection cut mid-body).
            problem = new ProblemDetails { Status = bad.StatusCode, Title = "The request could not be read.", Detail = bad.Message };
        }
        else if (DatabaseUnavailable(exception))
        {
            logger.LogWarning("The database could not be reached for {Method} {Path}: {Reason}",
                httpContext.Request.Method, httpContext.Request.Path, exception.GetBaseException().Message);
            httpContext.Response.Headers.RetryAfter = "5";
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The registry's database is not reachable just now.",
                Detail = "The request may not have been recorded. Send the same request again in a few seconds, with the same visitId, "
                         + "adverseEventId or Idempotency-Key: a write that was recorded then answers as it did the first time, "
                         + "and is not recorded twice.",
            };
        }
        else
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    /// <summary>A connection refused, reset or shut down by the server, anywhere in the exception's chain.</summary>
    public static bool DatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException pg
                    when pg.SqlState.StartsWith("57P", StringComparison.Ordinal) // admin shutdown, crash shutdown, cannot connect now
                         || pg.SqlState.StartsWith("08", StringComparison.Ordinal): // connection exceptions
                case Npgsql.NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
