/// The bounds pvd puts on one manifest document and on one object in it, so that a few hundred
/// bytes of YAML cannot make `pvd apply` allocate without bound. Each follows a Kubernetes limit
/// where Kubernetes has one. A stream of documents has no limit of its own: a stream of
/// hundreds of thousands of small objects is an ordinary thing to apply.
public enum ManifestLimits {
    /// One object as written, measured as the JSON kubectl would send for it: the Kubernetes API
    /// server refuses a request body over 3 MiB.
    public static let maxObjectBytes = 3 * 1024 * 1024

    /// One object as pvd stores it (typed, as JSON): etcd's default request limit of 1.5 MiB,
    /// which makes it the largest object a Kubernetes cluster can hold.
    public static let maxStoredObjectBytes = 1536 * 1024

    /// Mappings and lists inside one another, aliases expanded. A value inside 256 of them is
    /// more than pvd's JSON reader takes (`JSONReader.maxDepth`), so a document is refused here,
    /// where the error can name it, rather than read in some other way further on.
    public static let maxNesting = JSONReader.maxDepth - 1

    /// The content (scalar bytes) that aliases may add to one document. No object may be larger
    /// than `maxObjectBytes` anyway; this keeps an alias to a large string, repeated, from
    /// costing more than that before the per-object check can see it.
    public static let maxAliasBytes = maxObjectBytes

    /// Whether aliases make up too much of a document, by go-yaml's rule (the one Kubernetes'
    /// YAML decoder applies, "document contains excessive aliasing"): once more than 100 nodes
    /// come from aliases in a document of more than 1,000, at most 99% of its nodes may come
    /// from aliases while it has up to 400,000, falling smoothly to 10% at 4,000,000 and beyond.
    /// `aliasNodes` are the nodes aliases add; `totalNodes` counts those and the written ones.
    public static func aliasingIsExcessive(aliasNodes: Int, totalNodes: Int) -> Bool {
        guard aliasNodes > 100, totalNodes > 1000 else { return false }
        return Double(aliasNodes) / Double(totalNodes) > allowedAliasRatio(totalNodes: totalNodes)
    }

    private static func allowedAliasRatio(totalNodes: Int) -> Double {
        let low = 400_000, high = 4_000_000
        if totalNodes <= low { return 0.99 }
        if totalNodes >= high { return 0.10 }
        return 0.99 - 0.89 * Double(totalNodes - low) / Double(high - low)
    }
}
