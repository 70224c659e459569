/// Volume drivers. Placeholder until the drivers land.
public enum PVDDrivers {}
