using JasperFx;
using Registry.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddRegistry(typeof(Program).Assembly);
builder.Services.AddOpenApi();

var app = builder.Build();
app.MapOpenApi();
app.UseRegistry();

// Serving (no command, or "run"): wait for the database rather than exit when it is not up yet.
if (args.Length == 0 || args[0] == "run")
{
    await app.WaitForDatabaseAsync(app.Lifetime.ApplicationStopping);
}

return await app.RunJasperFxCommands(args);

/// <summary>The host's entry point; public so the integration tests can start it.</summary>
public partial class Program;
