using System.Text.RegularExpressions;
using OrleansIm.Protocol;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Protocol;

/// <summary>
/// docs/protocol.md, the repository's protocol reference, stays in step with the code: every command id has a
/// section headed with its name and id, and no heading names a command that does not exist.
/// </summary>
public sealed partial class ProtocolDocTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "protocol.md"));

    [Fact]
    public void Every_command_of_the_protocol_has_a_section()
    {
        var documented = HeadedCommands().Select(c => c.Id).ToHashSet();
        var missing = CommandTable.All.Where(c => !documented.Contains(c.Id)).Select(c => $"{c.Name} (0x{c.Id:X4})").ToList();
        Assert.True(missing.Count == 0, "commands without a section in docs/protocol.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_command_a_section_names_exists_with_that_name_and_id()
    {
        var headed = HeadedCommands();
        Assert.NotEmpty(headed);
        foreach (var (name, id) in headed)
        {
            var known = CommandTable.All.FirstOrDefault(c => c.Id == id);
            Assert.True(known is not null, $"docs/protocol.md has a section for {name} (0x{id:X4}), which is no command");
            Assert.True(known.Name == name, $"docs/protocol.md calls 0x{id:X4} {name}; the protocol calls it {known.Name}");
        }
    }

    [Fact]
    public void Every_reply_code_is_explained()
    {
        var codes = typeof(ResultCode).GetFields().Where(f => f.IsLiteral).Select(f => (uint)f.GetValue(null)!);
        foreach (var code in codes)
        {
            Assert.Matches($@"\|\s*{code}\s*\|\s*{Regex.Escape(ResultCode.Message(code))}\s*\|", Document);
        }
    }

    [Fact]
    public void Nothing_in_the_repository_points_at_a_protocol_file_outside_it()
    {
        var offenders = Directory.EnumerateFiles(RepositoryRoot.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}") && !f.Contains("node_modules") && !f.Contains("TestResults"))
            .Where(f => Path.GetExtension(f) is ".md" or ".cs" or ".js" or ".sh" or ".proto" or ".json" or ".html")
            .Where(f => File.ReadAllText(f).Contains("PROTOCOL.md", StringComparison.Ordinal) || File.ReadAllText(f).Contains("../shared/", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f))
            .Where(f => f != Path.Combine("tests", "OrleansIm.Tests", "Protocol", "ProtocolDocTests.cs"))
            .ToList();
        Assert.True(offenders.Count == 0, "files referring to a protocol document outside the repository: " + string.Join(", ", offenders));
    }

    /// <summary>Every "NAME (0xNNNN)" in a heading of the document.</summary>
    private static List<(string Name, uint Id)> HeadedCommands() =>
        Document.Split('\n')
            .Where(line => line.StartsWith('#'))
            .SelectMany(line => HeadingCommand().Matches(line))
            .Select(m => (m.Groups["name"].Value, Convert.ToUInt32(m.Groups["id"].Value, 16)))
            .ToList();

    [GeneratedRegex(@"(?<name>[A-Z][A-Z0-9-]*[A-Z0-9]) \(0x(?<id>[0-9A-Fa-f]{4})\)")]
    private static partial Regex HeadingCommand();
}
