import PVDModel
import PVDStore

/// Generates the bind benchmark's objects: mixed sizes, access modes and classes, from a seed.
struct BindWorkload {
    private var rng: SplitMix

    init(seed: UInt64) { rng = SplitMix(state: seed) }

    static let classNames = ["gold", "silver", "bronze", ""]
    static let volumeModes: [[AccessMode]] = [[.readWriteOnce], [.readWriteOnce, .readOnlyMany], [.readWriteMany], [.readOnlyMany], [.readWriteOnce, .readWriteMany]]
    static let claimModes: [[AccessMode]] = [[.readWriteOnce], [.readOnlyMany], [.readWriteMany], [.readWriteOnce, .readOnlyMany]]
    static let sizesGi: [Int64] = [1, 2, 5, 10, 20, 50, 100]

    mutating func make(count: Int) -> ([StorageClass], [PersistentVolume], [PersistentVolumeClaim]) {
        let classes = Self.classNames.filter { !$0.isEmpty }.map { name -> StorageClass in
            var sc = StorageClass(name: name, provisioner: "kubernetes.io/no-provisioner")
            sc.reclaimPolicy = .retain
            sc.volumeBindingMode = .immediate
            return sc
        }
        var volumes: [PersistentVolume] = []
        volumes.reserveCapacity(count)
        for i in 0..<count {
            let spec = PersistentVolumeSpec(
                capacity: Quantity(pick(Self.sizesGi) << 30), accessModes: pick(Self.volumeModes),
                reclaimPolicy: .retain, storageClassName: pick(Self.classNames),
                hostPath: HostPathVolumeSource(path: "/srv/bench/pv-\(i)"))
            volumes.append(PersistentVolume(name: "pv-\(i)", spec: spec))
        }
        var claims: [PersistentVolumeClaim] = []
        claims.reserveCapacity(count)
        for i in 0..<count {
            // Requests a little under a size step, so "smallest that fits" has real choices to make.
            let gi = pick(Self.sizesGi)
            let request = Quantity((gi << 30) - Int64(rng.next() % 512) << 20)
            let spec = PersistentVolumeClaimSpec(accessModes: pick(Self.claimModes), request: request, storageClassName: pick(Self.classNames))
            claims.append(PersistentVolumeClaim(name: "claim-\(i)", namespace: "ns-\(i % 10)", spec: spec))
        }
        return (classes, volumes, claims)
    }

    /// Creates `objects` in `store`, 1000 per commit or as many as one of its commits holds
    /// (etcd: the URL's max-txn-ops).
    static func load(_ objects: [AnyResource], into store: any ObjectStore) async throws {
        let size = min(1000, store.maxWritesPerCommit ?? 1000)
        var i = 0
        while i < objects.count {
            let batch = objects[i..<min(i + size, objects.count)].map { StoreWrite.create($0) }
            _ = try await store.commit(batch)
            i += batch.count
        }
    }

    private mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
}

/// A small, fast, seedable generator (SplitMix64), so every run makes the same objects.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
