/// The annotation and finalizer keys pvd reads and writes, spelled as Kubernetes spells them.
public enum Annotations {
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    public static let betaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    public static let isDefaultClass = "storageclass.kubernetes.io/is-default-class"
    public static let betaIsDefaultClass = "storageclass.beta.kubernetes.io/is-default-class"
}

/// Finalizer names, as Kubernetes spells them.
public enum Finalizers {
    public static let pvcProtection = "kubernetes.io/pvc-protection"
    public static let pvProtection = "kubernetes.io/pv-protection"
    /// Kubernetes' PV deletion protection (HonorPVReclaimPolicy, stable in 1.33): an external
    /// provisioner puts it on the volumes it made with reclaim policy Delete and removes it once
    /// the backing is deleted, so deleting the PV object first never orphans the backing.
    public static let provisionerDeletion = "external-provisioner.volume.kubernetes.io/finalizer"
    /// pvd's pod runtime holds a Pod it runs containers for until they are stopped and removed,
    /// the part of graceful deletion Kubernetes gives the kubelet: a Pod being deleted keeps its
    /// volumes published while the finalizer is there.
    public static let podRuntime = "pvd.io/pod-runtime"
}

/// Well-known label keys.
public enum WellKnownLabels {
    public static let hostname = "kubernetes.io/hostname"
}
