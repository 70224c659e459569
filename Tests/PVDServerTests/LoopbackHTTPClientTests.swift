import Testing
@testable import PVDServer

@Suite("Loopback HTTP client")
struct LoopbackHTTPClientTests {
    @Test("a chunked body with several chunks is read whole")
    func dechunksEveryChunk() {
        let body = "5\r\nhello\r\n1\r\n \r\na;ext=1\r\nworld, two\r\n0\r\n\r\n"
        #expect(LoopbackHTTPClient.dechunk(body) == "hello world, two")
    }

    @Test("a chunk holding multi-byte characters is cut by bytes")
    func dechunksByBytes() {
        // "é" is two bytes: the sizes count bytes, not characters.
        let body = "3\r\nné\r\n2\r\nab\r\n0\r\n\r\n"
        #expect(LoopbackHTTPClient.dechunk(body) == "néab")
    }
}

@Suite("Readiness leader line")
struct ReadinessLeaderTests {
    @Test(arguments: [
        ReadinessLeader(name: "node-2", isThisDaemon: true), ReadinessLeader(name: "node-1", isThisDaemon: false),
        ReadinessLeader(name: nil, isThisDaemon: false),
    ])
    func readsBackWhatItWrites(_ leader: ReadinessLeader) {
        #expect(ReadinessLeader.parse("ok\n" + leader.line + "\n") == leader)
    }

    @Test func aBodyWithoutTheLineHasNone() {
        #expect(ReadinessLeader.parse("ok\n") == nil)
        #expect(ReadinessLeader(name: "a", isThisDaemon: true).line == "leader: a (this daemon)")
    }
}
