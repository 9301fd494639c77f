using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace OrleansIm.Protocol;

/// <summary>
/// Whether a parsed proto2 message has its required fields, nested messages included: the C# runtime does not
/// enforce them. The same answer as the runtime's <c>IsInitialized()</c>, from a plan made once per message type
/// (that method walks every field through a new lambda on each call, on the path of every request).
/// </summary>
public static class RequiredFields
{
    private static readonly ConcurrentDictionary<MessageDescriptor, Plan> Plans = new();

    public static bool AreSet(IMessage message)
    {
        var plan = Plans.GetOrAdd(message.Descriptor, static d => new Plan(d));
        foreach (var field in plan.Required)
        {
            if (!field.Accessor.HasValue(message))
            {
                return false;
            }
        }

        foreach (var field in plan.Messages)
        {
            if (field.Accessor.HasValue(message) && !AreSet((IMessage)field.Accessor.GetValue(message)))
            {
                return false;
            }
        }

        foreach (var field in plan.RepeatedMessages)
        {
            foreach (IMessage item in (IList)field.Accessor.GetValue(message))
            {
                if (!AreSet(item))
                {
                    return false;
                }
            }
        }

        foreach (var field in plan.MessageMaps)
        {
            foreach (IMessage value in ((IDictionary)field.Accessor.GetValue(message)).Values)
            {
                if (!AreSet(value))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private sealed class Plan
    {
        public Plan(MessageDescriptor descriptor)
        {
            var fields = descriptor.Fields.InDeclarationOrder();
            Required = [.. fields.Where(f => f.IsRequired)];
            Messages = [.. fields.Where(f => !f.IsRepeated && IsMessage(f))];
            RepeatedMessages = [.. fields.Where(f => f.IsRepeated && !f.IsMap && IsMessage(f))];
            MessageMaps = [.. fields.Where(f => f.IsMap && IsMessage(f.MessageType.FindFieldByNumber(2)))];
        }

        public FieldDescriptor[] Required { get; } = [];

        /// <summary>Singular message fields: checked when present (a missing required one is in <see cref="Required"/>).</summary>
        public FieldDescriptor[] Messages { get; } = [];

        public FieldDescriptor[] RepeatedMessages { get; } = [];

        public FieldDescriptor[] MessageMaps { get; } = [];

        private static bool IsMessage(FieldDescriptor field) => field.FieldType is FieldType.Message or FieldType.Group;
    }
}
