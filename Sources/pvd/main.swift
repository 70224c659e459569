import PVDCLI

await PVD.runFromCommandLine(linking: .local)
