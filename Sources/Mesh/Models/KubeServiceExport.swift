/// `multicluster.x-k8s.io/v1alpha1 ServiceExport`: marks the Service of the same namespace/name
/// for export (reference §1.9). `spec.exportedLabels/exportedAnnotations` exist in newer MCS-API
/// versions only and are optional here.
public struct KubeServiceExport: Sendable, Equatable, Decodable {
    public struct Spec: Sendable, Equatable, Decodable {
        public var exportedLabels: [String: String]?
        public var exportedAnnotations: [String: String]?

        public init(exportedLabels: [String: String]? = nil, exportedAnnotations: [String: String]? = nil) {
            self.exportedLabels = exportedLabels
            self.exportedAnnotations = exportedAnnotations
        }
    }

    public var metadata: KubeObjectMeta
    public var spec: Spec?

    public init(metadata: KubeObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
