using OrleansIm.WebCodecGen;

// Writes Gateway/wwwroot/js/protocol.g.js (or the path given) from the compiled protocol.
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var path = Path.Combine(root, WebCodecWriter.RelativePath);
File.WriteAllText(path, WebCodecWriter.Write());
Console.WriteLine($"wrote {path}");
