public enum _PVDControllersPlaceholder {}
