import ArgumentParser

ClusterMeshAPIServer.main()
