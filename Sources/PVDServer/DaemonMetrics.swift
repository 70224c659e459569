import PVDControllers
import PVDModel
import PVDStore
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics, in a registry of its own (no global metrics bootstrap, so
/// tests can run several daemons in one process).
///
/// Counters and histograms are fed as runs complete; gauges of the informer's cache and the work
/// queue are read when `/metrics` is scraped, so an idle daemon does no metrics work at all.
public final class DaemonMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    /// Driver work plus recording the PV, per successful provisioning.
    let provisioning: DurationHistogram
    /// From the daemon seeing a claim created to the claim written Bound.
    let binding: DurationHistogram
    /// Wall time of each controller run.
    let runDuration: DurationHistogram
    let runs: Counter
    let errors: Counter
    let provisioningFailures: Counter
    let retries: Counter
    let depth: Gauge
    let delayed: Gauge
    let revision: Gauge
    /// 1 while the store takes writes, 0 once a fault stopped them.
    let storeWritable: Gauge
    /// 1 while this daemon leads the cluster-wide controllers.
    let leading: Gauge
    /// Terms this daemon has led.
    let terms: Counter
    /// Wall time of each periodic `integrity_check`.
    let integrityDuration: DurationHistogram
    /// Time to answer one Kubernetes API request (a watch: until its stream began).
    let apiDuration: DurationHistogram
    /// API requests refused as not authenticated (401) and as not authorized (403).
    let apiUnauthorized: Counter
    let apiForbidden: Counter
    /// API watch streams open now.
    let apiWatches: Gauge
    private let openWatches = Mutex<Int>(0)
    /// Faults that stopped the store's writes, by reason; every reason is emitted from the start.
    private let storeFaults: [StoreFault.Reason: Counter]
    /// Label sets of `pvd_objects` already emitted, so one that empties is reported as 0.
    private let seenPhases = Mutex<Set<[String]>>([])

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]

    public init() {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "pvd", metricName: metric, unitName: unit, helpText: help)
        }
        provisioning = registry.makeDurationHistogram(
            descriptor: name("provisioning_duration", "seconds", "Time to make a volume and record its PV, per successful provisioning."),
            buckets: Self.latencyBuckets)
        binding = registry.makeDurationHistogram(
            descriptor: name("binding_duration", "seconds", "Time from the daemon seeing a claim created to the claim written Bound."),
            buckets: Self.latencyBuckets)
        runDuration = registry.makeDurationHistogram(
            descriptor: name("controller_run_duration", "seconds", "Wall time of one controller run (passes until nothing is left to do)."),
            buckets: Self.latencyBuckets)
        runs = registry.makeCounter(descriptor: name("controller_runs", "total", "Controller runs."))
        errors = registry.makeCounter(descriptor: name("controller_errors", "total", "Controller runs that failed with an error."))
        provisioningFailures = registry.makeCounter(descriptor: name("provisioning_failures", "total", "Provisioning attempts that failed."))
        retries = registry.makeCounter(descriptor: name("workqueue_retries", "total", "Keys queued again with backoff."))
        depth = registry.makeGauge(descriptor: name("workqueue_depth", "", "Keys waiting in the work queue."))
        delayed = registry.makeGauge(descriptor: name("workqueue_delayed", "", "Keys waiting out a retry backoff."))
        revision = registry.makeGauge(descriptor: name("informer_revision", "", "The store revision the informer's cache reflects."))
        storeWritable = registry.makeGauge(descriptor: name("store_writable", "", "1 while the store takes writes; 0 once a fault stopped them."))
        storeWritable.set(Double(1))
        leading = registry.makeGauge(descriptor: name("leader", "", "1 while this daemon leads the cluster-wide controllers (binder, protection, reclaim decisions)."))
        leading.set(Double(0))
        terms = registry.makeCounter(descriptor: name("leader_terms", "total", "Times this daemon became the leader."))
        integrityDuration = registry.makeDurationHistogram(
            descriptor: name("store_integrity_check_duration", "seconds", "Time of one PRAGMA integrity_check over the whole store."),
            buckets: Self.latencyBuckets)
        apiDuration = registry.makeDurationHistogram(
            descriptor: name("api_request_duration", "seconds", "Time to answer one Kubernetes API request (a watch: until its stream began)."),
            buckets: Self.latencyBuckets)
        apiUnauthorized = registry.makeCounter(descriptor: name("api_unauthorized", "total", "Kubernetes API requests refused as not authenticated (401)."))
        apiForbidden = registry.makeCounter(descriptor: name("api_forbidden", "total", "Kubernetes API requests refused by the authorizers (403)."))
        apiWatches = registry.makeGauge(descriptor: name("api_watches", "", "Kubernetes API watch streams open."))
        apiWatches.set(Double(0))
        var faults: [StoreFault.Reason: Counter] = [:]
        for reason in StoreFault.Reason.allCases {
            faults[reason] = registry.makeCounter(
                descriptor: name("store_faults", "total", "Faults that stopped the store's writes (files removed or replaced, corruption)."),
                labels: [("reason", reason.rawValue)])
        }
        storeFaults = faults
    }

    /// This daemon became the leader (true) or stopped leading (false).
    func recordLeadership(_ leads: Bool) {
        leading.set(Double(leads ? 1 : 0))
        if leads { terms.increment() }
    }

    /// Folds in one controller run.
    public func record(_ run: ControllerRun) {
        runs.increment()
        runDuration.record(run.duration)
        if run.error != nil { errors.increment() }
        for s in run.summary.provisionSeconds { provisioning.record(.nanoseconds(Int64(s * 1e9))) }
        if run.summary.provisioningFailures > 0 { provisioningFailures.increment(by: Int64(run.summary.provisioningFailures)) }
        for d in run.bindingLatencies { binding.record(d) }
        if !run.retried.isEmpty { retries.increment(by: Int64(run.retried.count)) }
    }

    /// Folds in one Kubernetes API request: its status code and how long it took.
    func recordAPIRequest(status: Int, duration: Duration) {
        apiDuration.record(duration)
        if status == 401 { apiUnauthorized.increment() }
        if status == 403 { apiForbidden.increment() }
    }

    /// A watch stream opened (+1) or ended (-1). The gauge is set under the count's lock, so
    /// two watches ending at once cannot leave it at the older count.
    func recordAPIWatch(_ change: Int) {
        openWatches.withLock { count in
            count += change
            apiWatches.set(Double(count))
        }
    }

    /// Records how long one periodic integrity check took.
    func recordIntegrityCheck(_ took: Duration) { integrityDuration.record(took) }

    /// Counts the fault that stopped the store's writes.
    func recordStoreFault(_ fault: StoreFault) {
        storeFaults[fault.reason]?.increment()
        storeWritable.set(Double(0))
    }

    /// Reads the gauges from the informer and the queues (summed over the loops), then renders the text format.
    public func render(informer: Informer, queues: [WorkQueue<String>]) async -> [UInt8] {
        let counts = await informer.phaseCounts()
        revision.set(Double(await informer.revision))
        var depthSum = 0, delayedSum = 0
        for queue in queues {
            depthSum += await queue.depth
            delayedSum += await queue.delayedCount
        }
        depth.set(Double(depthSum))
        delayed.set(Double(delayedSum))
        var current: Set<[String]> = []
        for (kind, phases) in counts {
            for (phase, n) in phases {
                current.insert([kind.rawValue, phase])
                gauge(kind.rawValue, phase).set(Double(n))
            }
        }
        let stale = seenPhases.withLock { seen in
            defer { seen.formUnion(current) }
            return seen.subtracting(current)
        }
        for labels in stale { gauge(labels[0], labels[1]).set(Double(0)) }
        return registry.emitToBuffer()
    }

    private func gauge(_ kind: String, _ phase: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "pvd", metricName: "objects", unitName: "", helpText: "Objects in the store by kind and phase."),
            labels: [("kind", kind), ("phase", phase)])
    }
}
