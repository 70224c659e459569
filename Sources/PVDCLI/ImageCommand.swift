import ArgumentParser
import Foundation
import PVDEnvironment
import PVDPrinting
import PVDRuntime

extension PVD {
    /// `pvd image`: the node's offline image store (`<root>/images-oci`), which Pods' images
    /// come from; nothing is ever pulled.
    struct Image: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "image",
            abstract: "Import, list and remove the images Pods on this node run (never pulled).",
            subcommands: [Import.self, List.self, Remove.self, Busybox.self])
    }
}

extension PVD.Image {
    /// `pvd image import FILE|DIR [--name REF]`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a `docker save` tarball or an OCI image layout (through skopeo and umoci).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The tarball or OCI layout directory.", valueName: "file|dir"))
        var path: String

        @Option(help: ArgumentHelp("The name to import it as (default: the one the archive records), normalised as Kubernetes does.", valueName: "ref"))
        var name: String?

        func run() async throws {
            try await runReportingErrors {
                let store = ImageStore(root: try global.environment().root)
                do throws(RuntimeError) {
                    let r = try await store.importImage(from: path, name: name)
                    printOut("image \"\(r.name)\" imported (\(r.digest))\n")
                } catch {
                    throw CLIError(error.message)
                }
            }
        }
    }

    /// `pvd image ls`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the images in the store.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runReportingErrors {
                let store = ImageStore(root: try global.environment().root)
                let records: [ImageStore.Record]
                do throws(RuntimeError) {
                    records = try store.list()
                } catch {
                    throw CLIError(error.message)
                }
                var t = Table(headers: ["IMAGE", "DIGEST"])
                t.rows = records.map { [$0.name, String($0.digest.prefix(19))] }
                printOut(t.render())
            }
        }
    }

    /// `pvd image rm NAME…`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove images from the store.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Image names, e.g. alpine.")
        var names: [String] = []

        func run() async throws {
            try await runReportingErrors {
                let store = ImageStore(root: try global.environment().root)
                for name in names {
                    do throws(RuntimeError) {
                        try await store.remove(name)
                        printOut("image \"\(ImageReference(name)?.description ?? name)\" removed\n")
                    } catch {
                        throw CLIError(error.message)
                    }
                }
            }
        }
    }

    /// `pvd image busybox [--name alpine]`.
    struct Busybox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "busybox",
            abstract: "Build a tiny image from Debian's busybox-static (/bin/sh, shuf, … as busybox applets) and import it.")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The name to import it as.", valueName: "ref"))
        var name = "busybox"

        func run() async throws {
            try await runReportingErrors {
                let store = ImageStore(root: try global.environment().root)
                do throws(RuntimeError) {
                    let r = try await BusyboxImage.build(into: store, name: name)
                    printOut("image \"\(r.name)\" imported (\(r.digest))\n")
                } catch {
                    throw CLIError(error.message)
                }
            }
        }
    }
}
