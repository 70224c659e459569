// Rules more than one kind shares.

/// The access-mode rules PersistentVolumes and claims share: at least one, each known, and
/// ReadWriteOncePod alone.
func accessModeErrors(_ modes: [AccessMode]?, at path: String, requiredDetail: String = "") -> [ValidationError] {
    let modes = modes ?? []
    if modes.isEmpty { return [.required(path, requiredDetail)] }
    var errs: [ValidationError] = []
    let supported = AccessMode.known.map(\.rawValue).sorted()
    var onePod = false
    var other = false
    for m in modes {
        if !AccessMode.known.contains(m) {
            errs.append(.notSupported(path, m.rawValue, supported))
        } else if m == .readWriteOncePod {
            onePod = true
        } else {
            other = true
        }
    }
    if onePod && other { errs.append(.forbidden(path, "may not use ReadWriteOncePod with other access modes")) }
    return errs
}

/// The volume-mode rule PersistentVolumes and claims share.
func volumeModeErrors(_ mode: VolumeMode?, at path: String) -> [ValidationError] {
    guard let mode, !VolumeMode.known.contains(mode) else { return [] }
    return [.notSupported(path, mode.rawValue, VolumeMode.known.map(\.rawValue).sorted())]
}

/// The rule for a quantity that must be above zero.
func positiveQuantityErrors(_ q: Quantity, at path: String) -> [ValidationError] {
    q.nanoValue > 0 ? [] : [.invalid(path, q.description, "must be greater than zero")]
}
