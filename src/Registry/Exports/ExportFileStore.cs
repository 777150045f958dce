using Marten;
using Marten.Storage;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Registry.Infrastructure;

namespace Registry.Exports;

/// <summary>
/// Export files live in PostgreSQL (<c>registry.export_file_chunks</c>, 1 MiB <c>bytea</c> chunks), not on a node's
/// disk: any node serves any download, and a node lost with its disk loses nothing. A run writes its files to a
/// scratch folder, stores them here (replacing what an interrupted run of the same export stored), then deletes
/// the folder; a download streams the chunks in order, so memory stays flat whatever the file's size.
/// </summary>
public static class ExportFileStore
{
    public const int ChunkBytes = 1 << 20;

    private static string Table => $"{RegistrySchema.Name}.export_file_chunks";

    private static NpgsqlConnection Connect(IDocumentStore store) =>
        ((DocumentStore)store).Storage.Database.CreateConnection(ConnectionUsage.ReadWrite);

    /// <summary>Stores an export's files from <paramref name="folder"/> in one transaction, replacing any stored before.</summary>
    public static async Task SaveAsync(
        IDocumentStore store, Guid exportId, string folder, IEnumerable<ExportFile> files, CancellationToken ct)
    {
        await using var connection = Connect(store);
        await connection.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var delete = new NpgsqlCommand($"delete from {Table} where export_id = @id", connection, tx))
        {
            delete.Parameters.AddWithValue("id", exportId);
            await delete.ExecuteNonQueryAsync(ct);
        }

        var buffer = new byte[ChunkBytes];
        foreach (var file in files)
        {
            await using var stream = File.OpenRead(Path.Combine(folder, file.Name));
            var chunk = 0;
            int read;
            do
            {
                read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
                if (read == 0 && chunk > 0)
                {
                    break;
                }

                await using var insert = new NpgsqlCommand(
                    $"insert into {Table} (export_id, name, chunk, data) values (@id, @name, @chunk, @data)", connection, tx);
                insert.Parameters.AddWithValue("id", exportId);
                insert.Parameters.AddWithValue("name", file.Name);
                insert.Parameters.AddWithValue("chunk", chunk++);
                insert.Parameters.Add(
                    new NpgsqlParameter("data", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = new ReadOnlyMemory<byte>(buffer, 0, read) });
                await insert.ExecuteNonQueryAsync(ct);
            }
            while (read == buffer.Length);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>A stored file as the response body, chunk by chunk (404 when the export has no such file stored).</summary>
    public static IResult Download(IDocumentStore store, Guid exportId, string name, string contentType) =>
        new StoredFile(store, exportId, name, contentType);

    /// <summary>
    /// Streams the chunks one short query each: a connection is held while a chunk is read, never while the client
    /// takes it, so slow or many downloads cannot hold the node's connection pool. A finished export's chunks are
    /// never rewritten, so reading them in several queries gives the same bytes.
    /// </summary>
    private sealed class StoredFile(IDocumentStore store, Guid exportId, string name, string contentType) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var ct = http.RequestAborted;
            var sizes = new List<(int Chunk, int Bytes)>();
            await using (var connection = Connect(store))
            {
                await connection.OpenAsync(ct);
                await using var size = new NpgsqlCommand(
                    $"select chunk, length(data) from {Table} where export_id = @id and name = @name order by chunk", connection);
                size.Parameters.AddWithValue("id", exportId);
                size.Parameters.AddWithValue("name", name);
                await using var reader = await size.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    sizes.Add((reader.GetInt32(0), reader.GetInt32(1)));
                }
            }

            if (sizes.Count == 0)
            {
                await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such file.",
                    detail: "The export's files are not stored (yet): ask for the export again.").ExecuteAsync(http);
                return;
            }

            http.Response.ContentType = contentType;
            http.Response.ContentLength = sizes.Sum(s => (long)s.Bytes);
            var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(name);
            http.Response.Headers.ContentDisposition = disposition.ToString();
            foreach (var (chunk, _) in sizes)
            {
                byte[] data;
                await using (var connection = Connect(store))
                {
                    await connection.OpenAsync(ct);
                    await using var read = new NpgsqlCommand(
                        $"select data from {Table} where export_id = @id and name = @name and chunk = @chunk", connection);
                    read.Parameters.AddWithValue("id", exportId);
                    read.Parameters.AddWithValue("name", name);
                    read.Parameters.AddWithValue("chunk", chunk);
                    data = (byte[])(await read.ExecuteScalarAsync(ct))!;
                }

                await http.Response.Body.WriteAsync(data, ct);
            }
        }
    }
}
