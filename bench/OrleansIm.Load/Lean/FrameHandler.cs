namespace OrleansIm.Load.Lean;

/// <summary>Called for each whole frame a <see cref="LeanConnection"/> receives; the body is only valid during the call.</summary>
public delegate void FrameHandler(uint type, ulong serial, ReadOnlySpan<byte> body);
