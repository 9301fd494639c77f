namespace OrleansIm.Grains.Storage;

/// <summary>The two kinds of message log: a user's inbox and a group's log. Both have seqs 1, 2, 3 … per owner.</summary>
public enum LogKind
{
    Inbox,
    Group,
}
