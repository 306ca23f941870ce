package dev.fcnet.nft;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A golden fixture of src/test/resources/golden/nft (made by capture.sh there): the nft command,
 * what {@code nft --debug=netlink} printed, and the batch nft sent (strace's hex dump).
 */
record NftFixture(String name, String command, String debug, byte[] batch) {
    /** Offsets of the 16 hex columns in a strace dump line {@code " | 00000  14 00 ...  ascii |"}. */
    private static final int HEX_START = 10, HEX_END = 59;

    static NftFixture load(String name) {
        String text;
        try (InputStream in = NftFixture.class.getResourceAsStream("/golden/nft/" + name + ".txt")) {
            if (in == null) throw new IllegalArgumentException("no fixture golden/nft/" + name + ".txt");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> lines = text.lines().toList();
        StringBuilder debug = new StringBuilder();
        List<String> hex = new ArrayList<>();
        String section = "";
        for (String line : lines.subList(1, lines.size())) {
            if (line.startsWith("## ")) section = line.substring(3);
            else if (section.equals("debug")) debug.append(line).append('\n');
            else if (section.equals("sendmsg") && line.startsWith(" | ")) {
                hex.add(line.substring(HEX_START, Math.min(HEX_END, line.length())).replace(" ", ""));
            }
        }
        return new NftFixture(name, lines.get(0).substring(2), debug.toString().strip(),
                HexFormat.of().parseHex(String.join("", hex)));
    }
}
