/// Picking one field's value out of layered sources.
public enum SettingLayers {
    /// The highest layer's value of a field, checked by `check`, or nil where no layer has one.
    /// Every layer's value is checked, not only the winner's: a bad config field is an error
    /// even under a flag that overrides it, so a mistake in a file is never hidden until the
    /// day the flag goes away.
    public static func pick<Settings, Value, Result>(
        _ layers: [(Settings, SettingLayer)], _ key: KeyPath<Settings, Value?>, origin: (SettingLayer) -> SettingOrigin,
        _ check: (Value, SettingOrigin) throws(SettingError) -> Result
    ) throws(SettingError) -> Result? {
        var chosen: Result?
        for (settings, layer) in layers {
            guard let value = settings[keyPath: key] else { continue }
            let checked = try check(value, origin(layer))
            if chosen == nil { chosen = checked }
        }
        return chosen
    }
}
