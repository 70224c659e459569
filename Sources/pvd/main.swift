import PVDCLI

await PVD.runFromCommandLine()
