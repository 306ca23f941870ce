package dev.fcnet.bench;

/**
 * Kernel benchmarks create thousands of links, namespaces and rules. They run only inside the
 * throwaway network and mount namespaces that bin/bench gives every benchmark JVM
 * (benchmarks/bin/forked-java), never in the machine's own.
 */
final class Isolation {
    static final String VARIABLE = "FCNET_BENCH_ISOLATION";

    private Isolation() {}

    static void require() {
        String state = System.getenv(VARIABLE);
        if (!"isolated".equals(state)) {
            throw new IllegalStateException("kernel benchmarks run only through bin/bench, which starts each benchmark JVM"
                    + " in private network and mount namespaces; refusing to change this host's network ("
                    + VARIABLE + "=" + state + ")");
        }
    }
}
