import PVDCLI

await PVD.main()
