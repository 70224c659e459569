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

    /// What a watch sent, collected from its task.
    actor Lines {
        var all: [JSONValue] = []
        func add(_ v: JSONValue) { all.append(v) }
    }

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

    /// A filtered watch with bookmarks: a change it filters out still moves the revision it
    /// reports, once; without bookmarks nothing of that is sent. No timing is assumed: the
    /// test listens until the bookmark comes (the watch's own timeout is the deadline), then a
    /// few more ticks for a second one that must not come.
    @Test func bookmarksCarryTheRevisionPastFilteredChanges() async throws {
        try await withStore { store in
            _ = try await store.create(claim("mine", labels: ["app": "x"]))
            let revision = try await store.currentRevision()
            let theirs = try await store.create(claim("theirs"))
            let selector = try LabelSelector(parsing: "app=x")
            func stream(_ bookmarks: Bool, timeout: Duration) -> WatchStream {
                WatchStream(
                    store: store, kind: .persistentVolumeClaim, namespace: "default", labels: selector, fields: nil, initial: [], after: revision,
                    timeout: timeout, table: false, bookmarks: bookmarks, bookmarkInterval: .milliseconds(100))
            }
            let seen = Lines()
            let watching = Task {
                try await stream(true, timeout: .seconds(60)).run { line in
                    if let v = try? JSONCoding.shared.decode(JSONValue.self, from: line) { await seen.add(v) }
                }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while await seen.all.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            // Ten ticks more, with nothing new to tell.
            try await Task.sleep(for: .seconds(1))
            watching.cancel()
            _ = try? await watching.value
            let lines = await seen.all
            let bookmarks = lines.filter { $0["type"] == .string("BOOKMARK") }
            #expect(!bookmarks.isEmpty && bookmarks.count == lines.count, "\(lines)")
            #expect(bookmarks.first?["object"]?["metadata"]?["resourceVersion"] == .string(theirs.metadata.resourceVersion ?? "?"))
            #expect(bookmarks.first?["object"]?["kind"] == .string("PersistentVolumeClaim"))
            #expect(bookmarks.count == 1, "told once, with nothing newer since: \(bookmarks)")
            let plain = try await events(stream(false, timeout: .milliseconds(500)))
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

    /// The ERROR ends the watch by itself; the long timeout is only a deadline, so a loaded
    /// machine (CI runs every suite at once) cannot end the watch before the store answers.
    @Test func aRevisionNoLongerHeldIs410Expired() async throws {
        try await withStore(historyLimit: 2) { store in
            for i in 0..<6 { _ = try await store.create(claim("c\(i)")) }
            let stream = WatchStream(
                store: store, kind: .persistentVolumeClaim, namespace: nil, labels: nil, fields: nil, initial: [], after: 1,
                timeout: .seconds(120), table: false)
            let got = try await events(stream)
            #expect(got.count == 1 && got.first?.0 == "ERROR", "\(got)")
            #expect(got.first?.1 == "Expired")
        }
    }
}
