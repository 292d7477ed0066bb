/// Placeholder until the mirror sources land.
enum MeshSourcesPlaceholder {}
