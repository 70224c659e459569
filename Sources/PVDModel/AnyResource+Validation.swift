extension AnyResource: Validatable {
    /// The wrapped object's validation errors. Through the existential: validation runs once
    /// per object applied, not on a hot path, and every kind is `Validatable` as a `Resource`.
    public func validate() -> [ValidationError] { resource.validate() }
}
