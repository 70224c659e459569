import Foundation
import Logging
import PVDModel
import PVDStore
import Testing

@testable import PVDAPI

/// Watches over a real SQLite store: the synthetic ADDED kubectl needs, filtering, and the 410
/// a client gets for a revision the store no longer holds.
struct WatchStreamTests {
    func withStore(historyLimit: Int64 = 100_000, _ body: (SQLiteStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-apiw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(try SQLiteStore(path: dir + "/state.db", historyLimit: historyLimit))
    }

    func claim(_ name: String, labels: [String: String]? = nil) -> PersistentVolumeClaim {
        var c = PersistentVolumeClaim(name: name, namespace: "default", spec: PersistentVolumeClaimSpec(accessModes: [.readWriteOnce], request: Quantity(1 << 30)))
        c.metadata.labels = labels
        return c
    }

    struct Enough: Error {}

    /// The events of a watch, as (type, name) pairs: until `count` came (then the test stops
    /// listening, as a client leaves) or the watch's own timeout.
    func events(_ stream: WatchStream, count: Int = .max) async throws -> [(String, String)] {
        var lines: [[UInt8]] = []
        do {
            try await stream.run { line in
                lines.append(line)
                if lines.count >= count { throw Enough() }
            }
        } catch is Enough {}
        return lines.compactMap { line in
            guard let v = try? JSONCoding.shared.decode(JSONValue.self, from: line), let type = v["type"]?.stringValue else { return nil }
            return (type, v["object"]?["metadata"]?["name"]?.stringValue ?? v["object"]?["reason"]?.stringValue ?? "")
        }
    }

    /// A filtered watch with bookmarks: changes it filters out still move the revision it
    /// reports, every interval and as it times out; without bookmarks nothing of that is sent.
    @Test func bookmarksCarryTheRevisionPastFilteredChanges() async throws {
        try await withStore { store in
            _ = try await store.create(claim("mine", labels: ["app": "x"]))
            let revision = try await store.currentRevision()
            let selector = try LabelSelector(parsing: "app=x")
            func stream(_ bookmarks: Bool, timeout: Duration) -> WatchStream {
                WatchStream(
                    store: store, kind: .persistentVolumeClaim, namespace: "default", labels: selector, fields: nil, initial: [], after: revision,
                    timeout: timeout, table: false, bookmarks: bookmarks, bookmarkInterval: .milliseconds(300))
            }
            let creator = Task {
                try await Task.sleep(for: .milliseconds(100))
                return try await store.create(claim("theirs"))
            }
            var lines: [JSONValue] = []
            try await stream(true, timeout: .seconds(2)).run { line in
                if let v = try? JSONCoding.shared.decode(JSONValue.self, from: line) { lines.append(v) }
            }
            let others = try await creator.value
            let bookmarks = lines.filter { $0["type"] == .string("BOOKMARK") }
            #expect(!bookmarks.isEmpty && bookmarks.count == lines.count, "\(lines)")
            #expect(bookmarks.last?["object"]?["metadata"]?["resourceVersion"] == .string(others.metadata.resourceVersion ?? "?"))
            #expect(bookmarks.last?["object"]?["kind"] == .string("PersistentVolumeClaim"))
            // Told once: the tick after the first bookmark and the timeout have nothing newer.
            #expect(bookmarks.count == 1, "\(bookmarks)")
            let plain = try await events(stream(false, timeout: .milliseconds(700)))
            #expect(plain.isEmpty, "\(plain)")
        }
    }

    @Test func currentMatchesFirstThenChangesFilteredBySelector() async throws {
        try await withStore { store in
            _ = try await store.create(claim("a", labels: ["app": "x"]))
            _ = try await store.create(claim("b"))
            let (items, revision) = try await store.list(kind: .persistentVolumeClaim, namespace: "default", selector: nil)
            let selector = try LabelSelector(parsing: "app=x")
            let stream = WatchStream(
                store: store, kind: .persistentVolumeClaim, namespace: "default", labels: selector, fields: nil,
                initial: items.filter { selector.matches($0.metadata.labels) }, after: revision, timeout: .seconds(60), table: false)
            // b's change comes first, a's second: seeing a's MODIFIED means b's was filtered out.
            async let seen = events(stream, count: 2)
            var b = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "b")
            b.metadata.annotations = ["k": "v"]
            _ = try await store.update(b)
            var a = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "a")
            a.metadata.annotations = ["k": "v"]
            _ = try await store.update(a)
            let got = try await seen
            #expect(got.map(\.0) == ["ADDED", "MODIFIED"], "\(got)")
            #expect(got.map(\.1) == ["a", "a"])
        }
    }

    @Test func aRevisionNoLongerHeldIs410Expired() async throws {
        try await withStore(historyLimit: 2) { store in
            for i in 0..<6 { _ = try await store.create(claim("c\(i)")) }
            let stream = WatchStream(
                store: store, kind: .persistentVolumeClaim, namespace: nil, labels: nil, fields: nil, initial: [], after: 1,
                timeout: .seconds(5), table: false)
            let got = try await events(stream)
            #expect(got.count == 1 && got.first?.0 == "ERROR", "\(got)")
            #expect(got.first?.1 == "Expired")
        }
    }
}
