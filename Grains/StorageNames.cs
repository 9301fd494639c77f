namespace OrleansIm.Grains;

/// <summary>
/// Names of grain storage providers and persisted state. Each grain class has its own state name: the ADO.NET
/// provider keys rows by (service, state name, grain key), so two classes sharing a name would share rows.
/// </summary>
public static class StorageNames
{
    /// <summary>The one grain storage provider: ADO.NET on PostgreSQL, or memory in the embedded mode.</summary>
    public const string Provider = "im";

    public const string SidState = "sid";
    public const string IdAllocatorState = "idalloc";
    public const string UserState = "user";
    public const string GroupState = "group";
    public const string RoomState = "room";
}
