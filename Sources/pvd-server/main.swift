import PVDCLI
import PVDServerCommands

await PVD.runFromCommandLine(linking: .server)
