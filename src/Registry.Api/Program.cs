using JasperFx;
using Registry.Hosting;
using Registry.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddRegistry(typeof(Program).Assembly);
builder.Services.AddOpenApi(options => options.DescribeRegistryApi());

var app = builder.Build();
app.MapOpenApi();
app.UseRegistry();

// Serving (no command, "run", or only options): wait for the database rather than exit when it is not
// up yet. SIGTERM or Ctrl-C during the wait ends the process (the host has not taken the signals yet).
if (args.Length == 0 || args[0] == "run" || args[0].StartsWith('-'))
{
    await app.WaitForDatabaseAsync();
}

return await app.RunJasperFxCommands(args);

/// <summary>The host's entry point; public so the integration tests can start it.</summary>
public partial class Program;
