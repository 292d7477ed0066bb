/// Placeholder until the Kubernetes client lands.
enum KubeClientPlaceholder {}
