using HdrHistogram;

namespace OrleansIm.Load;

/// <summary>What one load run measured.</summary>
public sealed record LoadReport(LoadOptions Options, int Acked, int Refused, int Delivered, int Lost, TimeSpan Elapsed, HistogramBase AckLatency, HistogramBase DeliveryLatency)
{
    public double MessagesPerSecond => Acked / Elapsed.TotalSeconds;

    public override string ToString() =>
        $"{Options.Scenario} load: transport={Options.Transport} pairs={Options.Pairs} messages/pair={Options.Messages} " + (Options.OfflineReceivers ? "receivers offline " : "") + (Options.Rate > 0 ? $"open loop at {Options.Rate} messages/s\n" : $"window={Options.Window}\n") +
        $"  acked={Acked} refused={Refused} delivered={Delivered} lost={Lost} elapsed={Elapsed.TotalSeconds:F2}s\n" +
        $"  throughput={MessagesPerSecond:F0} messages/s\n" +
        $"  ack latency ms:      p50={Ms(AckLatency, 50)} p99={Ms(AckLatency, 99)} p99.9={Ms(AckLatency, 99.9)} max={Ms(AckLatency, 100)}\n" +
        $"  delivery latency ms: p50={Ms(DeliveryLatency, 50)} p99={Ms(DeliveryLatency, 99)} p99.9={Ms(DeliveryLatency, 99.9)} max={Ms(DeliveryLatency, 100)}";

    private static string Ms(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? "-" : (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("F2");
}
