using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// A storage failure inside a grain travels to a caller on another silo as an exception in the error response: the
/// silo's serializer must be able to write PostgreSQL's exceptions, or the response is dropped and the caller waits
/// for its response timeout instead of failing at once.
/// </summary>
public sealed class StorageErrorSerializationTests
{
    [Fact]
    public async Task PostgreSQL_exceptions_survive_the_trip_between_silos()
    {
        await using var server = await PostgresServers.StartAsync(await PostgresServers.NewDatabaseAsync());
        var serializer = server.Services.GetRequiredService<Orleans.Serialization.Serializer>();

        var postgres = new PostgresException("too many clients already", "FATAL", "FATAL", "53300");
        var wrapped = new NpgsqlException("storage write failed", postgres);
        foreach (Exception sent in new Exception[] { postgres, wrapped, new InvalidOperationException("grain storage", wrapped) })
        {
            var received = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(sent));
            Assert.NotNull(received);
            Assert.Contains(sent.Message, received!.Message);
            Assert.Equal(sent.InnerException is not null, received.InnerException is not null);
        }
    }
}
