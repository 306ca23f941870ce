module example.embedding {
    requires dev.fcnet;
}
