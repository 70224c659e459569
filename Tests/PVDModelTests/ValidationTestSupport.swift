import Testing
@testable import PVDModel

/// One validation table row: a label, an object, and the field paths of the errors it must
/// produce, in order (empty for a valid object). `message`, when set, must be part of the first
/// error's message.
struct ValidationCase<T: Validatable & Sendable>: Sendable, CustomTestStringConvertible {
    let label: String
    let object: T
    let fields: [String]
    let message: String?
    var testDescription: String { label }

    init(_ label: String, _ object: T, _ fields: [String] = [], message: String? = nil) {
        self.label = label
        self.object = object
        self.fields = fields
        self.message = message
    }

    func check() {
        let errors = object.validate()
        #expect(errors.map(\.field) == fields, "\(errors.map(\.description))")
        if let message {
            #expect(errors.first?.message.contains(message) == true, "\(errors.first?.message ?? "no error")")
        }
    }
}

func modified<T>(_ value: T, _ change: (inout T) -> Void) -> T {
    var v = value
    change(&v)
    return v
}

func gi(_ n: Int64) -> Quantity { Quantity(n * 1024 * 1024 * 1024) }
