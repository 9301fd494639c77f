using Google.Protobuf;
using Google.Protobuf.Reflection;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Protocol;

/// <summary>The gateway's required-field check answers as the protobuf runtime's IsInitialized, for every message of the protocol.</summary>
public sealed class RequiredFieldsTests
{
    public static TheoryData<string> Messages()
    {
        var data = new TheoryData<string>();
        foreach (var message in ImReflection.Descriptor.MessageTypes)
        {
            data.Add(message.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Empty_partly_filled_and_filled_messages_are_judged_as_the_runtime_judges_them(string name)
    {
        var descriptor = ImReflection.Descriptor.MessageTypes.Single(m => m.Name == name);
        var required = descriptor.Fields.InDeclarationOrder().Where(f => f.IsRequired).ToList();

        // Empty; then each required field set in turn (so every prefix of them, the last being all of them).
        var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        Assert.Equal(message.IsInitialized(), RequiredFields.AreSet(message));
        foreach (var field in required)
        {
            Fill(message, field);
            Assert.Equal(message.IsInitialized(), RequiredFields.AreSet(message));
        }

        Assert.True(required.Count == 0 || RequiredFields.AreSet(message) == message.IsInitialized());
    }

    [Fact]
    public void A_nested_message_missing_a_required_field_fails_the_whole()
    {
        // A message of the protocol with a required field that is itself a message with a required field.
        var (outer, inner) = ImReflection.Descriptor.MessageTypes
            .SelectMany(m => m.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.Message && !f.IsRepeated && !f.IsMap)
                .Select(f => (Outer: m, Field: f)))
            .Where(x => x.Field.MessageType.Fields.InDeclarationOrder().Any(f => f.IsRequired))
            .Select(x => (x.Outer, x.Field))
            .First();

        var message = (IMessage)Activator.CreateInstance(outer.ClrType)!;
        foreach (var field in outer.Fields.InDeclarationOrder().Where(f => f.IsRequired && f != inner))
        {
            Fill(message, field);
        }

        var nested = (IMessage)Activator.CreateInstance(inner.MessageType.ClrType)!;
        inner.Accessor.SetValue(message, nested);
        Assert.False(message.IsInitialized());
        Assert.False(RequiredFields.AreSet(message));

        foreach (var field in inner.MessageType.Fields.InDeclarationOrder().Where(f => f.IsRequired))
        {
            Fill(nested, field);
        }

        Assert.Equal(message.IsInitialized(), RequiredFields.AreSet(message));
        Assert.True(RequiredFields.AreSet(message) || outer.Fields.InDeclarationOrder().Any(f => f.IsRequired && f.FieldType == FieldType.Message && f != inner));
    }

    private static void Fill(IMessage message, FieldDescriptor field)
    {
        object value = field.FieldType switch
        {
            FieldType.String => "x",
            FieldType.Bytes => ByteString.CopyFrom(1),
            FieldType.Bool => true,
            FieldType.UInt32 or FieldType.Fixed32 => 1u,
            FieldType.UInt64 or FieldType.Fixed64 => 1ul,
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 1,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 1L,
            FieldType.Float => 1f,
            FieldType.Double => 1d,
            FieldType.Enum => 0,
            FieldType.Message => Activator.CreateInstance(field.MessageType.ClrType)!,
            _ => throw new InvalidOperationException($"field {field.FullName} of type {field.FieldType}"),
        };
        field.Accessor.SetValue(message, value);
    }
}
