import Testing
@testable import PVDStore

/// Object uids are version-4 UUIDs as Kubernetes prints them, and never repeat.
struct ObjectUIDTests {
    @Test func uidsAreLowercaseVersionFourUUIDs() {
        for _ in 0..<1000 {
            let uid = Array(ObjectUID.make().utf8)
            #expect(uid.count == 36)
            for (i, c) in uid.enumerated() {
                if [8, 13, 18, 23].contains(i) {
                    #expect(c == UInt8(ascii: "-"))
                } else {
                    #expect((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c))
                }
            }
            #expect(uid[14] == UInt8(ascii: "4"), "version 4")
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(uid[19]), "RFC 4122 variant")
        }
    }

    @Test func uidsDoNotRepeatAcrossPoolRefillsAndThreads() async {
        // 4 tasks × 5,000: many refills of the 256-uid pool, taken from concurrently.
        let all = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<5000).map { _ in ObjectUID.make() } } }
            var out: [String] = []
            for await part in group { out += part }
            return out
        }
        #expect(all.count == 20_000)
        #expect(Set(all).count == 20_000)
        // Random bytes, not a counter: every hex digit turns up in every free position.
        let positions = (0..<36).filter { ![8, 13, 14, 18, 19, 23].contains($0) }
        for p in positions {
            #expect(Set(all.map { Array($0.utf8)[p] }).count == 16, "position \(p)")
        }
    }
}
