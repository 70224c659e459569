import Foundation
import Synchronization

/// Pure work over large inputs spread across the cores, results in input order: what reading
/// and checking a 300,000-object apply use so that both cores of a small node take part.
public enum Concurrently {
    /// How many threads to spread over. Read once: Foundation reads the cgroup's CPU quota and
    /// cpuset files for every `activeProcessorCount`, four system calls a commit paid each time.
    public static let workers = min(ProcessInfo.processInfo.activeProcessorCount, 8)

    /// `transform` of every input, each on whichever core is free, in the inputs' order.
    public static func map<T: Sendable, R: Sendable>(_ inputs: [T], _ transform: @Sendable (T) -> R) -> [R] {
        if inputs.count < 2 { return inputs.map(transform) }
        let slots = Mutex([R?](repeating: nil, count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            let r = transform(inputs[i])
            slots.withLock { $0[i] = r }
        }
        return slots.withLock { $0 }.map { $0! }
    }

    /// `0..<count` cut into one range per worker, none shorter than `minimum` (so a small count
    /// is one range, worked on the calling thread).
    public static func ranges(_ count: Int, minimum: Int) -> [Range<Int>] {
        let parts = max(1, min(workers, count / max(minimum, 1)))
        return (0..<parts).map { i in (count * i / parts)..<(count * (i + 1) / parts) }
    }
}
