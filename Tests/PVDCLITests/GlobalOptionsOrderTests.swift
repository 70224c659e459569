import Testing

@testable import PVDCLI

/// Global options go before the command as well as after it, as kubectl takes them.
struct GlobalOptionsOrderTests {
    @Test(arguments: [
        (["--root", "/r", "get", "pv"], ["get", "--root", "/r", "pv"]),
        (["--kubeconfig", "k.yaml", "get", "pvc", "-o", "wide"], ["get", "--kubeconfig", "k.yaml", "pvc", "-o", "wide"]),
        (["--server=https://h:6443", "--token", "t", "delete", "pvc", "x"], ["delete", "--server=https://h:6443", "--token", "t", "pvc", "x"]),
        (["store", "--root", "/r", "check"], ["store", "check", "--root", "/r"]),
        (["--context", "c", "--kubeconfig", "k", "wait", "pvc/a"], ["wait", "--context", "c", "--kubeconfig", "k", "pvc/a"]),
        // Already after the command, or no command at all: as given.
        (["get", "--kubeconfig", "k", "pvc"], ["get", "--kubeconfig", "k", "pvc"]),
        (["--root", "/r"], ["--root", "/r"]),
    ])
    func movedAfterTheCommandName(given: [String], parsed: [String]) {
        #expect(PVD.hoistingGlobalOptions(given) == parsed)
    }
}
