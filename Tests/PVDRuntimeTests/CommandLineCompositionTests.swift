import PVDRuntime
import Testing

/// Kubernetes' composition of command/args with the image's ENTRYPOINT/CMD, and the environment.
struct CommandLineCompositionTests {
    static let image = ImageConfig(entrypoint: ["/entry"], cmd: ["--default"])

    @Test(arguments: [
        (nil, nil, ["/entry", "--default"]),
        (["/bin/sh", "-c"], nil, ["/bin/sh", "-c"]),
        (["/bin/sh", "-c"], ["echo hi"], ["/bin/sh", "-c", "echo hi"]),
        (nil, ["--other"], ["/entry", "--other"]),
        ([], ["x"], ["/entry", "x"]),
    ] as [([String]?, [String]?, [String])])
    func arguments(command: [String]?, args: [String]?, expected: [String]) {
        #expect(CommandLineComposition.arguments(command: command, args: args, image: Self.image) == expected)
    }

    @Test func nothingToRunIsNil() {
        #expect(CommandLineComposition.arguments(command: nil, args: nil, image: ImageConfig()) == nil)
        #expect(CommandLineComposition.arguments(command: nil, args: ["x"], image: ImageConfig()) == ["x"])
    }

    @Test func environmentOrderAndOverride() {
        let env = CommandLineComposition.environment(
            hostname: "web", image: ["PATH=/bin", "A=image", "B=="], container: [("A", "pod"), ("C", "")])
        #expect(env == ["HOSTNAME=web", "PATH=/bin", "A=pod", "B==", "C="])
    }
}
