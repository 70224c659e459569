/// Rows of text printed as kubectl prints tables: upper-case headers, columns left-aligned and
/// separated by three spaces.
public struct Table: Sendable, Equatable {
    public var headers: [String]
    public var rows: [[String]]
    /// Spaces between columns: 3 for `get`, 2 for the Events of `describe`, as kubectl prints them.
    public var gap: Int

    public init(headers: [String], rows: [[String]] = [], gap: Int = 3) {
        self.headers = headers
        self.rows = rows
        self.gap = gap
    }

    /// The table as text, one line per row, each ending in a newline.
    public func render(includeHeaders: Bool = true) -> String {
        let all = (includeHeaders ? [headers] : []) + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for r in all {
            var line = ""
            for (i, c) in r.enumerated() {
                if i == r.count - 1 {
                    line += c
                } else {
                    line += c + String(repeating: " ", count: widths[i] - c.count + gap)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
