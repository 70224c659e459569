import PVDModel
import Testing
@testable import PVDControllers

/// The order free volumes are kept in (capacity, then name as String orders it), whichever way
/// the index sorts them: by packed name prefixes or by plain String comparison.
struct VolumeGroupOrderTests {
    private func entry(_ name: String, _ gigabytes: Int64) -> VolumeGroup.Entry {
        VolumeGroup.Entry(capacity: gb(gigabytes), name: name, volume: nil)
    }

    private func order(_ entries: [VolumeGroup.Entry]) -> [String] {
        VolumeGroup.sorted(entries).map(\.name)
    }

    private func reference(_ entries: [VolumeGroup.Entry]) -> [String] {
        entries.sorted(by: VolumeGroup.Entry.precedes).map(\.name)
    }

    static let nameSets: [[String]] = [
        // A name that is a prefix of another sorts first.
        ["pv-10", "pv-1", "pv-2", "pv-100", "pv-1-a"],
        // Equal in their first 16 bytes: the full names decide.
        ["volume-0123456789-b", "volume-0123456789-a", "volume-0123456789", "volume-01234567"],
        // Provisioned names, longer than 16 bytes and differing early.
        ["pvc-9f1c2d3e-aaaa-4bbb-8ccc-000000000001", "pvc-1a2b3c4d-aaaa-4bbb-8ccc-000000000002", "pvc-1a2b3c4d-aaaa-4bbb-8ccc-000000000001"],
        // Exactly 16 bytes against 15 and 17.
        ["abcdefghijklmnop", "abcdefghijklmno", "abcdefghijklmnopq", "abcdefghijklmnoa"],
        // Not ASCII: the whole group falls back to String order.
        ["vol-é", "vol-e\u{301}x", "vol-z", "vol-a", "ünicode"],
    ]

    @Test(arguments: nameSets)
    func equalCapacitiesFollowStringOrder(_ names: [String]) {
        let entries = names.map { entry($0, 5) }
        #expect(order(entries) == reference(entries))
        #expect(order(Array(entries.reversed())) == reference(entries))
    }

    @Test func capacityComesBeforeName() {
        let entries = [entry("a", 10), entry("z", 1), entry("m", 5), entry("b", 1), entry("pvc-long-name-0000000000", 1)]
        #expect(order(entries) == ["b", "pvc-long-name-0000000000", "z", "m", "a"])
        #expect(order(entries) == reference(entries))
    }

    @Test func asciiPrefixKeepsByteOrderAndRefusesOtherText() throws {
        let a = try #require(VolumeGroup.asciiPrefix("pv-1"))
        let b = try #require(VolumeGroup.asciiPrefix("pv-10"))
        let c = try #require(VolumeGroup.asciiPrefix("pv-2"))
        #expect(a < b && b < c)
        #expect(VolumeGroup.asciiPrefix("0123456789abcdefXYZ") == VolumeGroup.asciiPrefix("0123456789abcdef"))
        #expect(VolumeGroup.asciiPrefix("vol-é") == nil)
    }

    /// A large index: every group must come out complete and in order, and matching must still
    /// hand out the smallest fitting volume.
    @Test func aLargeIndexSortsEveryGroup() throws {
        let classes = ["gold", "silver", "bronze", ""]
        var volumes: [PersistentVolume] = []
        // Names and sizes are scrambled by fixed multipliers: the same volumes every run, in no
        // useful order.
        let count = 24_000
        for i in 0..<count {
            let size = Int64((i * 7_919) % 50 + 1)
            volumes.append(makePV("pv-\((i * 104_729) % 1_000_003)-\(i)", size, class: classes[i % classes.count]))
        }
        let index = VolumeIndex(volumes)
        #expect(index.freeCount == volumes.count)
        var seen = 0
        for group in index.groups {
            seen += group.entries.count
            let names = group.entries.map(\.name)
            #expect(names == reference(group.entries))
        }
        #expect(seen == volumes.count)

        var matching = index
        let claim = makePVC("c", 20, class: "silver")
        let found = matching.findBestMatch(for: claim, className: "silver", delayBinding: false, node: nil)
        let best = try #require(found)
        func asEntry(_ pv: PersistentVolume) -> VolumeGroup.Entry {
            VolumeGroup.Entry(capacity: BindingRules.capacity(of: pv), name: pv.metadata.name, volume: nil)
        }
        let expected = volumes
            .filter { BindingRules.className(of: $0) == "silver" && !(BindingRules.capacity(of: $0) < gb(20)) }
            .min { VolumeGroup.Entry.precedes(asEntry($0), asEntry($1)) }
        #expect(best.metadata.name == expected?.metadata.name)
    }
}
