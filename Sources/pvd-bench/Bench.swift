import ArgumentParser
import Foundation

/// `pvd-bench`: measures pvd against the raw cost of the same work, prints a table and writes JSON.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pvd-bench",
        abstract: "pvd's benchmarks: each prints a table and writes JSON under bench-results/.",
        subcommands: [
            BindBench.self, ApplyBench.self, ProvisionBench.self, RecoverBench.self, LatencyBench.self, FailoverBench.self, Ext4Bench.self,
            CommitBench.self, CodecBench.self, PodsBench.self, APIBench.self, OwnershipBench.self,
        ]
    )
}
