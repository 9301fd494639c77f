using OrleansIm.WebCodecGen;

// Writes sdk/js/src/protocol.g.js (the JavaScript SDK's tables, which the web page loads too) under the root given from the compiled protocol.
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var path = Path.Combine(root, WebCodecWriter.RelativePath);
File.WriteAllText(path, WebCodecWriter.Write());
Console.WriteLine($"wrote {path}");
