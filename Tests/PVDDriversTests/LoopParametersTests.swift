import PVDDrivers
import PVDModel
import Testing

@testable import PVDDrivers

/// Parameter checks and sizes: no kernel involved, no root needed.
struct LoopParametersTests {
    let driver = LoopDriver(
        root: "/nonexistent/pvd-root", loopDevices: LinuxLoopDevices(), mounter: LibMountMounter(), probe: BlkidProbe(),
        tools: FixedTools(types: ["ext4", "xfs"]))

    @Test func goodParametersPass() {
        #expect(driver.validate(parameters: [:], volumeMode: .filesystem) == [])
        let all = ["imageDir": "/srv/images", "allocation": "preallocate", "fsType": "xfs", "mkfsOptions": "-m 0 -L x", "overcommit": "true"]
        #expect(driver.validate(parameters: all, volumeMode: .filesystem) == [])
        #expect(driver.validate(parameters: ["fsType": "btrfs"], volumeMode: .block) == [])  // no mkfs for Block
    }

    @Test(arguments: [
        ("imageDir", "relative/images"),
        ("imageDir", "/srv/../etc"),
        ("allocation", "thick"),
        ("fsType", "ntfs"),
        ("fsType", "btrfs"),  // valid, but FixedTools has no mkfs.btrfs
        ("mkfsOptions", "-L 'my label'"),
        ("overcommit", "yes"),
        ("sizeLimit", "10Gi"),
    ])
    func badParameterIsNamed(name: String, value: String) {
        let problems = driver.validate(parameters: [name: value], volumeMode: .filesystem)
        #expect(problems.count == 1)
        #expect(problems.first?.contains(name) == true)
        if name != "mkfsOptions" && name != "sizeLimit" { #expect(problems.first?.contains(value) == true) }
    }

    @Test func everyBadParameterIsReported() {
        let problems = driver.validate(parameters: ["fsType": "zfs", "overcommit": "1", "foo": "bar"], volumeMode: .filesystem)
        #expect(problems.count == 3)
        #expect(problems.contains { $0.contains("\"foo\"") })
    }

    @Test func provisionRefusesBadParametersAndNamesBeforeTouchingAnything() async {
        let error = await #expect(throws: DriverError.self) {
            try await driver.provision(ProvisionRequest(name: "pvc-x", capacityBytes: 1, parameters: ["fsType": "vfat"]))
        }
        #expect(error?.code == .invalid)
        #expect(error?.message.contains("fsType") == true)
        for name in ["pvc-../x", "x", "pvc-", "pvc-a/b", ""] {
            let error = await #expect(throws: DriverError.self) {
                try await driver.provision(ProvisionRequest(name: name, capacityBytes: 1))
            }
            #expect(error?.code == .invalid)
        }
    }

    @Test func capacityIsRoundedUpToAWholeMebibyteAndTheFilesystemMinimum() throws {
        let mib = LoopDriver.mebibyte
        #expect(try LoopDriver.imageSize(for: 1, volumeMode: .block, fsType: "ext4") == mib)
        #expect(try LoopDriver.imageSize(for: mib, volumeMode: .block, fsType: "ext4") == mib)
        #expect(try LoopDriver.imageSize(for: mib + 1, volumeMode: .block, fsType: "ext4") == 2 * mib)
        #expect(try LoopDriver.imageSize(for: 1_000_000_000, volumeMode: .filesystem, fsType: "ext4") == 954 * mib)
        #expect(try LoopDriver.imageSize(for: mib, volumeMode: .filesystem, fsType: "xfs") == 300 * mib)
        #expect(try LoopDriver.imageSize(for: mib, volumeMode: .block, fsType: "xfs") == mib)
        #expect(try LoopDriver.imageSize(for: mib, volumeMode: .filesystem, fsType: "btrfs") == 128 * mib)
        #expect(throws: DriverError.self) { try LoopDriver.imageSize(for: Int64.max, volumeMode: .block, fsType: "ext4") }
        #expect(throws: DriverError.self) { try LoopDriver.imageSize(for: 0, volumeMode: .block, fsType: "ext4") }
    }

    @Test func sizesAreDescribedForPeople() {
        #expect(LoopDriver.describe(512) == "512 bytes")
        #expect(LoopDriver.describe(1 << 30) == "1073741824 bytes (1 GiB)")
        #expect(LoopDriver.describe(1536 * 1024) == "1572864 bytes (1.5 MiB)")
    }

    @Test func layoutNamesDeriveFromTheVolumeName() {
        let layout = LoopLayout(root: "/var/lib/pvd", imageDir: "/var/lib/pvd/images", name: "pvc-1234")
        #expect(layout.image == "/var/lib/pvd/images/pvc-1234.img")
        #expect(layout.partialImage == "/var/lib/pvd/images/.pvc-1234.img.partial")
        #expect(layout.mountPoint == "/var/lib/pvd/mounts/pvc-1234")
        #expect(layout.deviceLink == "/var/lib/pvd/devices/pvc-1234")
    }
}
