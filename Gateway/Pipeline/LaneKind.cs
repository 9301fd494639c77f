namespace OrleansIm.Gateway.Pipeline;

/// <summary>The kind of target a <see cref="Lane"/> names.</summary>
public enum LaneKind : byte
{
    Self,
    User,
    Group,
    Room,
}
