using JasperFx;
using Registry.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddRegistry(typeof(Program).Assembly);
builder.Services.AddOpenApi();

var app = builder.Build();
app.MapOpenApi();
app.UseRegistry();

return await app.RunJasperFxCommands(args);

/// <summary>The host's entry point; public so the integration tests can start it.</summary>
public partial class Program;
