import Foundation
import PVDModel

/// Reads the manifests `-f` names: a file, every .yaml/.yml/.json file of a directory (sorted,
/// not recursive, as kubectl), or standard input for "-".
enum ManifestFiles {
    static func read(_ paths: [String]) throws -> [ManifestObject] {
        var objects: [ManifestObject] = []
        var warnings: [String] = []
        for path in paths {
            for (source, text) in try texts(path) {
                do {
                    let read = try ManifestReader.read(text, source: source)
                    objects += read
                    warnings += read.flatMap(\.warnings)
                } catch {
                    throw CLIError(error.description)
                }
            }
        }
        for w in warnings { printError("Warning: \(w)") }
        if objects.isEmpty { throw CLIError("no objects passed to apply") }
        return objects
    }

    private static func texts(_ path: String) throws -> [(String, String)] {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let text = String(data: data, encoding: .utf8) else { throw CLIError("standard input is not UTF-8 text") }
            return [("-", text)]
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CLIError("the path \"\(path)\" does not exist")
        }
        if isDir.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
            return try names.map { name in
                let full = (path as NSString).appendingPathComponent(name)
                return (full, try readText(full))
            }
        }
        return [(path, try readText(path))]
    }

    private static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(path) is not UTF-8 text") }
        return text
    }
}

extension ResourceKind {
    /// The kind a user typed, or kubectl's error for one it does not know.
    static func resolve(_ text: String) throws -> ResourceKind {
        guard let kind = ResourceKind(userInput: text) else {
            throw CLIError("the server doesn't have a resource type \"\(text)\"")
        }
        return kind
    }
}
