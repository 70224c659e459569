import CYaml
import Yams

/// Reads a YAML stream into `JSONValue` documents straight from libyaml's parser events.
///
/// Building Yams' node graph first and converting it afterwards cost most of a large apply's
/// time (nodes, their tags and marks, a duplicate-key pass over every mapping, then a second
/// walk to measure aliases). Here each event goes once into the value it belongs to, and the
/// alias limits are counted on the way: an alias shares the value its anchor names (a
/// `JSONValue` is copy-on-write), so a document whose aliases would expand it past the limits
/// is refused when it ends, before anything expands it.
///
/// Anchors live for the whole stream, as Yams' composer keeps them: a document may name an
/// anchor of an earlier one.
struct YAMLEventReader {
    /// What an anchored node expands to, and its value to share with every alias of it.
    private struct Anchored {
        var value: JSONValue
        /// The text of a scalar, which is what it is as a mapping key.
        var scalar: String?
        var expansion: Expansion
    }

    /// The size of a value once its aliases are expanded: nodes (keys included), scalar bytes,
    /// and height (a scalar is 0, a mapping or list one more than its tallest member).
    private struct Expansion {
        var nodes = 1
        var bytes = 0
        var height = 0

        mutating func add(_ child: Expansion) {
            nodes = YAMLDocumentSize.saturating(nodes, child.nodes)
            bytes = YAMLDocumentSize.saturating(bytes, child.bytes)
            height = max(height, child.height + 1)
        }
    }

    /// A mapping or list being read.
    private struct Frame {
        var isMapping: Bool
        var object: [String: JSONValue] = [:]
        var array: [JSONValue] = []
        /// A mapping's key whose value comes next.
        var key: String?
        var anchor: String?
        var expansion = Expansion(nodes: 1, bytes: 0, height: 1)
    }

    private var anchors: [String: Anchored] = [:]
    private var frames: [Frame] = []
    private var size = YAMLDocumentSize()
    private var root: (value: JSONValue, expansion: Expansion)?
    private var documents: [JSONValue] = []

    /// The documents of a UTF-8 YAML stream, in order; an empty document is `.null`.
    static func documents(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLReadError) -> [JSONValue] {
        var reader = YAMLEventReader()
        try reader.read(bytes)
        return reader.documents
    }

    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLReadError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLReadError(document: 1, reason: .malformed("the YAML parser could not start (out of memory)"))
        }
        defer { yaml_parser_delete(&parser) }
        // An empty stream has no documents (and its buffer may have no address to hand libyaml).
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        yaml_parser_set_input_string(&parser, base, bytes.count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw YAMLReadError(document: documents.count + 1, reason: Self.parserFailure(parser))
            }
            defer { yaml_event_delete(&event) }
            do throws(YAMLReadError.Reason) {
                if try !handle(event) { return }
            } catch {
                throw YAMLReadError(document: documents.count + 1, reason: error)
            }
        }
    }

    /// Takes one event; false once the stream has ended.
    private mutating func handle(_ event: yaml_event_t) throws(YAMLReadError.Reason) -> Bool {
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return false
        case YAML_DOCUMENT_START_EVENT:
            size = YAMLDocumentSize()
            root = nil
        case YAML_DOCUMENT_END_EVENT:
            try endDocument()
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let value = Self.resolve(text, plain: s.style == YAML_PLAIN_SCALAR_STYLE, tag: s.tag.map { String(cString: $0) })
            size.writtenNodes = YAMLDocumentSize.saturating(size.writtenNodes, 1)
            let expansion = Expansion(nodes: 1, bytes: s.length, height: 0)
            if let anchor = s.anchor {
                anchors[String(cString: anchor)] = Anchored(value: value, scalar: text, expansion: expansion)
            }
            try deliver(value, scalar: text, expansion: expansion, at: event.start_mark)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            if let top = frames.last, top.isMapping, top.key == nil {
                throw .unsupportedShape("\(Self.position(event.start_mark)): a mapping key must be a scalar")
            }
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            size.writtenNodes = YAMLDocumentSize.saturating(size.writtenNodes, 1)
            frames.append(Frame(isMapping: isMapping, anchor: anchor.map { String(cString: $0) }))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = frames.removeLast()
            let value: JSONValue = frame.isMapping ? .object(frame.object) : .array(frame.array)
            if let anchor = frame.anchor {
                anchors[anchor] = Anchored(value: value, scalar: nil, expansion: frame.expansion)
            }
            try deliver(value, scalar: nil, expansion: frame.expansion, at: event.start_mark)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let anchored = anchors[name] else {
                throw .malformed("\(Self.position(event.start_mark)): found undefined alias \"\(name)\"")
            }
            size.writtenNodes = YAMLDocumentSize.saturating(size.writtenNodes, 1)
            size.aliasNodes = YAMLDocumentSize.saturating(size.aliasNodes, anchored.expansion.nodes)
            size.aliasBytes = YAMLDocumentSize.saturating(size.aliasBytes, anchored.expansion.bytes)
            try deliver(anchored.value, scalar: anchored.scalar, expansion: anchored.expansion, at: event.start_mark)
        default:
            break
        }
        return true
    }

    /// Puts a finished value where it belongs: a mapping's key or value, a list's next member,
    /// or the document itself.
    private mutating func deliver(_ value: JSONValue, scalar: String?, expansion: Expansion, at mark: yaml_mark_t) throws(YAMLReadError.Reason) {
        let top = frames.count - 1
        guard top >= 0 else {
            root = (value, expansion)
            return
        }
        frames[top].expansion.add(expansion)
        if !frames[top].isMapping {
            frames[top].array.append(value)
            return
        }
        guard let key = frames[top].key else {
            guard let scalar else { throw .unsupportedShape("\(Self.position(mark)): a mapping key must be a scalar") }
            frames[top].key = scalar
            return
        }
        frames[top].key = nil
        if frames[top].object.updateValue(value, forKey: key) != nil {
            throw .malformed("\(Self.position(mark)): mapping key \"\(key)\" already defined in this mapping")
        }
    }

    private mutating func endDocument() throws(YAMLReadError.Reason) {
        let (value, expansion) = root ?? (.null, Expansion(nodes: 0, bytes: 0, height: 0))
        size.nesting = expansion.height
        if size.nesting > ManifestLimits.maxNesting { throw .tooDeep(nesting: size.nesting) }
        if ManifestLimits.aliasingIsExcessive(aliasNodes: size.aliasNodes, totalNodes: size.totalNodes) {
            throw .excessiveAliasing(aliasNodes: size.aliasNodes, writtenNodes: size.writtenNodes)
        }
        if size.aliasBytes > ManifestLimits.maxAliasBytes { throw .aliasContentTooLarge(bytes: size.aliasBytes) }
        documents.append(value)
        root = nil
    }

    /// A scalar's value under YAML 1.1's core rules, as Kubernetes reads it: quoted and block
    /// scalars are strings; a plain one without a tag is resolved by `YAMLPlainScalar`; an
    /// explicit `!!null`, `!!bool`, `!!int` or `!!float` is read as that, or kept as a string
    /// when it is not one.
    static func resolve(_ text: String, plain: Bool, tag: String?) -> JSONValue {
        guard plain else { return .string(text) }
        switch tag {
        case nil, "!":
            switch YAMLPlainScalar(text) {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int: return int(text) ?? .string(text)
            case .float: return Double.construct(from: Yams.Node.Scalar(text)).map(JSONValue.double) ?? .string(text)
            case .string: return .string(text)
            }
        case "tag:yaml.org,2002:null": return .null
        case "tag:yaml.org,2002:bool": return Bool.construct(from: Yams.Node.Scalar(text)).map(JSONValue.bool) ?? .string(text)
        case "tag:yaml.org,2002:int": return int(text) ?? .string(text)
        case "tag:yaml.org,2002:float": return Double.construct(from: Yams.Node.Scalar(text)).map(JSONValue.double) ?? .string(text)
        default: return .string(text)
        }
    }

    /// An integer in any of YAML 1.1's notations (`0x1F`, `0o17`, `1_000`, `190:20:30`), if it
    /// fits in 64 bits.
    private static func int(_ text: String) -> JSONValue? {
        guard let i = Int.construct(from: Yams.Node.Scalar(text)), let exact = Int64(exactly: i) else { return nil }
        return .int(exact)
    }

    private static func position(_ mark: yaml_mark_t) -> String {
        "line \(mark.line + 1), column \(mark.column + 1)"
    }

    private static func parserFailure(_ parser: yaml_parser_t) -> YAMLReadError.Reason {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        // libyaml stops at 1000 levels (its default `yaml_set_max_nest_level`) before any value exists.
        if problem.hasPrefix("Maximum nesting level reached") { return .tooDeep(nesting: nil) }
        if parser.error == YAML_READER_ERROR {
            return .malformed("at byte \(parser.problem_offset): \(problem)")
        }
        var message = "\(position(parser.problem_mark)): \(problem)"
        if let context = parser.context {
            message += " (\(String(cString: context)) at \(position(parser.context_mark)))"
        }
        return .malformed(message)
    }
}
