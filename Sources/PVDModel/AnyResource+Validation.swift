extension AnyResource: Validatable {
    /// The wrapped object's validation errors.
    public func validate() -> [ValidationError] {
        switch self {
        case .storageClass(let x): x.validate()
        case .persistentVolume(let x): x.validate()
        case .persistentVolumeClaim(let x): x.validate()
        case .pod(let x): x.validate()
        case .node(let x): x.validate()
        case .event(let x): x.validate()
        }
    }
}
