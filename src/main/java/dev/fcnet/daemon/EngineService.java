package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.FcnetException;
import java.util.List;
import java.util.Objects;

/**
 * The daemon's operations, carried out by one engine for every connection as fcnet's {@code run}
 * does: Add, Check (which succeeds only for a complete network, its reason listing every missing
 * or different object) and strict Delete. Whether foreign links and namespaces may be deleted is
 * the engine's {@link dev.fcnet.engine.ForeignObjects} option.
 *
 * <p>Adds, and Deletes, that connections send at the same time are carried out together by the
 * engine (see {@link FcnetEngine#add}), sharing the host's nftables transactions; each network
 * still succeeds or fails on its own, with the same answer as alone.
 */
public final class EngineService implements NetworkService {
    private final FcnetEngine engine;

    public EngineService(FcnetEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public List<String> run(FcnetdRequest request) throws OperationFailedException {
        FirecrackerNetwork network = request.network();
        try {
            return switch (request.operation()) {
                case Add -> engine.add(network).warnings();
                case Check -> {
                    engine.check(network).requireClean();
                    yield List.of();
                }
                case Delete -> {
                    engine.delete(network);
                    yield List.of();
                }
            };
        } catch (FcnetException e) {
            throw new OperationFailedException(e.getMessage(), e);
        }
    }
}
