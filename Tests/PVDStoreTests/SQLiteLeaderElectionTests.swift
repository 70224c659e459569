import Foundation
import Logging
import PVDModel
import PVDStore
import Testing

/// The SQLite backend's election: an exclusive flock on `<db>.leader`, per open file
/// description, so two stores of one process compete as two processes would.
struct SQLiteLeaderElectionTests {
    let logger = Logger(label: "pvd.test.leader")

    func election(_ store: SQLiteStore, _ identity: String) throws -> any LeaderElection {
        try #require(try store.leaderElection(LeaderElectionConfig(identity: identity), logger: logger))
    }

    @Test func twoElectionsOnOneFileExcludeEachOtherAndResignHandsOver() async throws {
        try await withStore { storeA, path in
            // Another store on the same file, as another daemon process would open it.
            let storeB = try SQLiteStore(path: path, createIfMissing: false)
            let a = try election(storeA, "node-a"), b = try election(storeB, "node-b")
            #expect(try await a.currentLeader() == nil)

            let termA = try await a.campaign()
            #expect(termA.identity == "node-a")
            #expect(termA.store as? SQLiteStore === storeA, "one machine needs no fence: the term's store is the store")
            #expect(try lockFileLines(path) == ["node-a"])
            #expect(try await b.currentLeader() == "node-a")

            let campaignB = Task { try await b.campaign() }
            // Several polls of the lock go by; b must still be waiting.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await a.currentLeader() == "node-a", "b must still be waiting")

            // Writes go on through the leader's store meanwhile.
            _ = try await termA.store.create(volume("pv-1"))
            await termA.resign()
            await termA.ended()
            let termB = try await campaignB.value
            #expect(termB.identity == "node-b")
            #expect(try lockFileLines(path) == ["node-b"])
            #expect(try await a.currentLeader() == "node-b")
            await termB.resign()
            #expect(try await a.currentLeader() == nil)
            #expect(try lockFileLines(path) == [], "a resigned holder leaves the file naming nobody")
        }
    }

    @Test func twoElectionsOfOneStoreExcludeEachOtherToo() async throws {
        try await withStore { store, _ in
            let first = try election(store, "node-a"), second = try election(store, "node-b")
            let term = try await first.campaign()
            // The second election opens the lock file itself: another open file description.
            let waiting = Task { try await second.campaign() }
            try await Task.sleep(for: .milliseconds(300))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiting.value }
            #expect(try await second.currentLeader() == "node-a")
            await term.resign()
        }
    }

    @Test func aHolderDroppedWithoutResigningFreesTheLockAsADeadProcessWould() async throws {
        try await withStore { store, path in
            let a = try election(store, "node-a"), b = try election(store, "node-b")
            var termA: (any LeaderTerm)? = try await a.campaign()
            _ = termA
            termA = nil
            // The file still names the holder, but nobody holds the lock: nobody leads.
            #expect(try lockFileLines(path) == ["node-a"])
            #expect(try await b.currentLeader() == nil)
            let termB = try await b.campaign()
            #expect(try await b.currentLeader() == "node-b")
            await termB.resign()
        }
    }

    @Test func theStoreHandsOutTheElectionAndRefusesWhatEtcdWouldRefuse() async throws {
        try await withStore { sqlite, _ in
            // As the daemon holds it: any ObjectStore.
            let store: any ObjectStore = sqlite
            let election = try store.leaderElection(LeaderElectionConfig(identity: "node-a"), logger: logger)
            #expect(election is SQLiteLeaderElection)
            for ttl: Duration in [.seconds(1), .milliseconds(2500)] {
                let e = await storeError { () async throws(StoreError) in
                    _ = try store.leaderElection(LeaderElectionConfig(identity: "node-a", ttl: ttl), logger: logger)
                }
                #expect(e?.code == .invalid, "\(ttl)")
            }
            let newline = await storeError { () async throws(StoreError) in
                _ = try store.leaderElection(LeaderElectionConfig(identity: "a\nb"), logger: logger)
            }
            #expect(newline?.code == .invalid)
        }
    }
}

/// The lines of the store's lock file.
func lockFileLines(_ databasePath: String) throws -> [String] {
    let text = try String(contentsOfFile: databasePath + ".leader", encoding: .utf8)
    return text.split(separator: "\n").map(String.init)
}
