import Foundation

/// kube-apiserver's `--token-auth-file`: one `token,user,uid,"group1,group2"` line per user
/// (the groups column optional, quoted when it holds commas). Blank lines and lines starting
/// with `#` are skipped.
public struct TokenFile: Sendable, Equatable {
    public var users: [String: UserInfo]

    public init(users: [String: UserInfo]) { self.users = users }

    /// A line pvd cannot read: the file, the 1-based line, and why. The token itself is never quoted.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var source: String
        public var line: Int
        public var problem: String
        public var description: String { "token file \(source) line \(line): \(problem)" }
    }

    /// Parses the file's text.
    public static func parse(_ text: String, source: String) throws(ParseError) -> TokenFile {
        var users: [String: UserInfo] = [:]
        // By newline character: in Swift "\r\n" is one Character, which no split on "\n" finds.
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy(\.isWhitespace) || line.hasPrefix("#") { continue }
            guard let fields = csvFields(line) else {
                throw ParseError(source: source, line: i + 1, problem: "an unterminated quote")
            }
            guard fields.count >= 3 else {
                throw ParseError(source: source, line: i + 1, problem: "want token,user,uid[,\"group1,group2\"], got \(fields.count) column(s)")
            }
            let token = fields[0], name = fields[1]
            guard !token.isEmpty, !name.isEmpty else {
                throw ParseError(source: source, line: i + 1, problem: "the token and the user name must not be empty")
            }
            guard users[token] == nil else { throw ParseError(source: source, line: i + 1, problem: "a token given twice") }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : []
            users[token] = UserInfo(name: name, uid: fields[2], groups: groups)
        }
        return TokenFile(users: users)
    }

    /// The columns of one CSV line (RFC 4180 quoting, `""` for a quote); nil when a quote is left open.
    static func csvFields(_ line: Substring) -> [String]? {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    // Either the closing quote or the first of a doubled one.
                    var peek = chars
                    if peek.next() == "\"" {
                        current.append("\"")
                        chars = peek
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if quoted { return nil }
        fields.append(current)
        return fields
    }
}
