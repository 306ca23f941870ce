package dev.fcnet.nft;

import dev.fcnet.testing.StraceDump;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * A golden fixture of src/test/resources/golden/nft (made by capture.sh there): the nft command,
 * what {@code nft --debug=netlink} printed, and the batch nft sent (strace's hex dump).
 */
record NftFixture(String name, String command, String debug, byte[] batch) {
    static NftFixture load(String name) {
        List<String> lines = StraceDump.read("/golden/nft/" + name + ".txt").lines().toList();
        StringBuilder debug = new StringBuilder();
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        String section = "";
        for (String line : lines.subList(1, lines.size())) {
            if (line.startsWith("## ")) section = line.substring(3);
            else if (section.equals("debug")) debug.append(line).append('\n');
            else if (section.equals("sendmsg") && StraceDump.isRow(line)) batch.writeBytes(StraceDump.rowBytes(line));
        }
        return new NftFixture(name, lines.get(0).substring(2), debug.toString().strip(), batch.toByteArray());
    }
}
