/// Kubernetes' rules for names, keys and values. Each check returns the problems found, worded
/// as Kubernetes words them; an empty array means the text is acceptable.
public enum NameRules {
    static let dns1123LabelMaxLength = 63
    static let dns1123SubdomainMaxLength = 253
    static let qualifiedNameMaxLength = 63
    static let labelValueMaxLength = 63

    /// An RFC 1123 label, as namespaces and volume names are: at most 63 characters of
    /// lower-case letters, digits and '-', starting and ending with a letter or digit.
    public static func dns1123Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > dns1123LabelMaxLength { errs.append(maxLength(dns1123LabelMaxLength)) }
        if !isLabel(Array(s.utf8)[...]) {
            errs.append(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            )
        }
        return errs
    }

    /// An RFC 1123 subdomain, as most object names are: at most 253 characters, dot-separated
    /// RFC 1123 labels.
    public static func dns1123Subdomain(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > dns1123SubdomainMaxLength { errs.append(maxLength(dns1123SubdomainMaxLength)) }
        let parts = Array(s.utf8).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if !parts.allSatisfy(isLabel) {
            errs.append(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            )
        }
        return errs
    }

    /// A name usable as one segment of a REST path, as Event names are: not "." or "..", and
    /// without '/' or '%'.
    public static func pathSegment(_ s: String) -> [String] {
        if s == "." || s == ".." { return ["may not be '\(s)'"] }
        var errs: [String] = []
        for bad in ["/", "%"] where s.contains(bad) { errs.append("may not contain '\(bad)'") }
        return errs
    }

    /// A qualified name, as label and annotation keys are: an optional DNS subdomain prefix and
    /// '/', then a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a
    /// letter or digit ("app", "kubernetes.io/hostname").
    public static func qualifiedName(_ s: String) -> [String] {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var errs: [String] = []
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += dns1123Subdomain(parts[0]).map { "prefix part " + $0 }
            }
        default:
            return [
                "a qualified name " + qualifiedNameRule
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > qualifiedNameMaxLength {
            errs.append("name part " + maxLength(qualifiedNameMaxLength))
        }
        if !isQualifiedNamePart(Array(name.utf8)) { errs.append("name part " + qualifiedNameRule) }
        return errs
    }

    /// A label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending
    /// with a letter or digit.
    public static func labelValue(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > labelValueMaxLength { errs.append(maxLength(labelValueMaxLength)) }
        if !s.isEmpty && !isQualifiedNamePart(Array(s.utf8)) {
            errs.append(
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            )
        }
        return errs
    }

    private static let qualifiedNameRule =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

    private static func maxLength(_ n: Int) -> String { "must be no more than \(n) characters" }

    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    private static func isLabel(_ b: ArraySlice<UInt8>) -> Bool {
        guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isQualifiedNamePart(_ b: [UInt8]) -> Bool {
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}
