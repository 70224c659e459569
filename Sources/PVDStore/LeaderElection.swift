import Logging

/// A candidate for leading the store's cluster-wide controllers (binder, protection, reclaim
/// decisions): of all the daemons on one store, exactly one leads at a time.
///
/// Get one from the store (`ObjectStore.leaderElection(_:logger:)`). A daemon campaigns, runs
/// the controllers through its term's `store` until `ended()` returns, stops them, and
/// campaigns again; on shutdown it stops them and calls `resign()`.
public protocol LeaderElection: Sendable {
    /// This candidate's identity (the daemon's node name, usually).
    var identity: String { get }

    /// Waits until this candidate leads and returns its term. A store that cannot be reached
    /// meanwhile only prolongs the wait; cancellation ends it (throws `CancellationError`).
    /// Other errors say the store cannot hold an election at all (`StoreError`).
    func campaign() async throws -> any LeaderTerm

    /// Who leads now, or nil: for /readyz and /metrics. A leader that died without resigning
    /// is still named until its claim lapses at the store.
    func currentLeader() async throws(StoreError) -> String?
}

/// One stretch of leadership, from a won campaign until the claim is lost or given up.
public protocol LeaderTerm: Sendable {
    var identity: String { get }

    /// The store with every write fenced by this term: once the term is over at the store, a
    /// write through it fails with `StoreError.Code.fenced` and changes nothing. Reads and
    /// watches are the store's own.
    var store: any ObjectStore { get }

    /// Returns when the term has ended (claim lost or revoked, not renewed in time, resigned),
    /// or when the calling task is cancelled. Returns before the claim can have lapsed at the
    /// store: a daemon that stops its controllers when this returns has stopped them while
    /// no other daemon can lead yet.
    func ended() async

    /// Gives leadership up at once (etcd: revokes the lease, so another candidate leads
    /// without waiting for it to expire), e.g. on graceful shutdown, after the controllers
    /// have stopped. `ended()` returns from then on.
    func resign() async
}

/// How a daemon campaigns: who it is and how long its claim outlives its last renewal.
public struct LeaderElectionConfig: Sendable, Equatable {
    /// The name the store records for the leader (the node name, usually).
    public var identity: String
    /// How long the store keeps a claim that is not renewed (etcd: the lease's TTL), so how
    /// long a dead leader blocks the others. Whole seconds, at least 2 (etcd's minimum is about
    /// 1.5 × its election timeout). SQLite has no use for it: a claim there lasts as long as
    /// the process that holds it.
    public var ttl: Duration

    public init(identity: String, ttl: Duration = .seconds(10)) {
        self.identity = identity
        self.ttl = ttl
    }

    /// How often the leader renews its claim: three times per TTL, so one renewal may fail and
    /// the next still lands in time.
    public var renewInterval: Duration { ttl / 3 }

    /// How long after the last successful renewal was sent the leader gives up if no renewal
    /// has succeeded since: two thirds of the TTL, leaving a third of it between the leader
    /// stopping its controllers and anyone else being able to start theirs.
    public var renewDeadline: Duration { ttl * 2 / 3 }

    /// The shortest TTL accepted.
    public static let minimumTTL: Duration = .seconds(2)

    /// Checks the TTL: whole seconds (etcd counts leases in seconds), at least `minimumTTL`.
    public func validated() throws(StoreError) -> LeaderElectionConfig {
        let (seconds, fraction) = ttl.components
        guard fraction == 0 else {
            throw StoreError(.invalid, "leader election: a lease TTL is whole seconds, got \(ttl)")
        }
        guard ttl >= Self.minimumTTL else {
            throw StoreError(.invalid, """
                leader election: a lease TTL of \(seconds)s is too short: at least \(Self.minimumTTL.components.seconds)s \
                (etcd refuses leases shorter than about 1.5 × its election timeout, and a renewal must fit well inside it)
                """)
        }
        // One line: the SQLite lock file holds it as its first line.
        guard !identity.isEmpty, !identity.contains(where: \.isNewline) else {
            throw StoreError(.invalid, "leader election: the identity must be one non-empty line, got \"\(identity)\"")
        }
        return self
    }
}
