import PVDDrivers
import Testing

/// The lexical rules that keep volumes and class directories apart, on plain values.
struct PathReservationsTests {
    static let root = "/var/lib/pvd"
    static let reserved = PathReservations.internalPaths(root: root) + [
        ReservedPath(path: "/srv/static/data", kind: .volume, owner: "PersistentVolume data's"),
        ReservedPath(path: "/srv/fast", kind: .basePath, owner: "StorageClass fast's"),
        ReservedPath(path: "/srv/images", kind: .imageDir, owner: "StorageClass loop's"),
    ]

    struct Case: Sendable, CustomStringConvertible {
        var path: String
        /// The reserved path it meets, or nil when it is clear.
        var meets: String?
        var description: String { path }
    }

    @Test(arguments: [
        Case(path: "/var/lib/pvd/hostpath/pvc-1", meets: nil),
        Case(path: "/var/lib/pvd/other/pvc-1", meets: nil),
        Case(path: "/srv/fast/team/pvc-1", meets: nil),
        Case(path: "/srv/static/other", meets: nil),
        Case(path: "/var/lib/pvd", meets: "/var/lib/pvd"),
        Case(path: "/var/lib", meets: "/var/lib/pvd"),
        Case(path: "/var/lib/pvd/hostpath", meets: "/var/lib/pvd/hostpath"),
        Case(path: "/var/lib/pvd/images", meets: "/var/lib/pvd/images"),
        Case(path: "/var/lib/pvd/images/x", meets: "/var/lib/pvd/images"),
        Case(path: "/var/lib/pvd/mounts/pvc-1", meets: "/var/lib/pvd/mounts"),
        Case(path: "/var/lib/pvd/pods", meets: "/var/lib/pvd/pods"),
        Case(path: "/srv/static/data", meets: "/srv/static/data"),
        Case(path: "/srv/static/data/inner", meets: "/srv/static/data"),
        Case(path: "/srv/static", meets: "/srv/static/data"),
        Case(path: "/srv/fast", meets: "/srv/fast"),
        Case(path: "/srv", meets: "/srv/static/data"),
        Case(path: "/srv/images/pvc-1", meets: "/srv/images"),
    ])
    func aNewVolume(_ c: Case) {
        #expect(PathReservations.conflict(volumeAt: c.path, with: Self.reserved)?.path == c.meets)
    }

    struct ClassCase: Sendable, CustomStringConvertible {
        var path: String
        var kind: ReservedPath.Kind
        var meets: String?
        var description: String { "\(kind) \(path)" }
    }

    @Test(arguments: [
        ClassCase(path: "/var/lib/pvd/hostpath", kind: .basePath, meets: nil),
        ClassCase(path: "/var/lib/pvd/images", kind: .imageDir, meets: nil),
        ClassCase(path: "/var/lib/pvd/fast", kind: .basePath, meets: nil),
        ClassCase(path: "/srv/fast", kind: .basePath, meets: nil),
        ClassCase(path: "/srv/images", kind: .imageDir, meets: nil),
        ClassCase(path: "/srv/slow", kind: .basePath, meets: nil),
        ClassCase(path: "/var/lib/pvd", kind: .basePath, meets: "/var/lib/pvd"),
        ClassCase(path: "/var", kind: .basePath, meets: "/var/lib/pvd"),
        ClassCase(path: "/var/lib/pvd/hostpath", kind: .imageDir, meets: "/var/lib/pvd/hostpath"),
        ClassCase(path: "/var/lib/pvd/hostpath/sub", kind: .basePath, meets: "/var/lib/pvd/hostpath"),
        ClassCase(path: "/var/lib/pvd/mounts", kind: .imageDir, meets: "/var/lib/pvd/mounts"),
        ClassCase(path: "/srv/fast/nested", kind: .basePath, meets: "/srv/fast"),
        ClassCase(path: "/srv/images", kind: .basePath, meets: "/srv/images"),
        ClassCase(path: "/srv/static/data", kind: .basePath, meets: "/srv/static/data"),
        ClassCase(path: "/srv/static/data/in", kind: .imageDir, meets: "/srv/static/data"),
        ClassCase(path: "/srv/static", kind: .basePath, meets: nil),
    ])
    func aClassDirectory(_ c: ClassCase) {
        #expect(PathReservations.conflict(classDirectory: c.path, kind: c.kind, with: Self.reserved)?.path == c.meets)
    }

    @Test func whatADeletedVolumeWouldTakeWithIt() {
        let held = PathReservations.held(by: "/srv/static", among: Self.reserved)
        #expect(held.map(\.path) == ["/srv/static/data"])
        #expect(PathReservations.held(by: "/srv/static/data", among: Self.reserved).count == 1, "another PV on the same path")
        #expect(PathReservations.held(by: "/srv/static/data/x", among: Self.reserved).isEmpty)
        #expect(PathReservations.relation(of: "/a", to: "/a/b") == "holds")
        #expect(PathReservations.relation(of: "/a/b", to: "/a") == "lies inside")
        #expect(PathReservations.relation(of: "/a/", to: "/a") == "is")
    }
}
