package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.daemon.Main.Serve;
import dev.fcnet.engine.RulesetKind;
import dev.fcnet.daemon.Main.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** fcnetd's command line: fcnetd's own options plus --allow-foreign and --idle-timeout. */
class MainTest {
    private static Main.Command parse(String... args) throws UsageException {
        return Main.parse(args);
    }

    @Test
    void defaults() throws UsageException {
        assertEquals(new Serve(Path.of("/run/fcnetd.sock"), OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), false,
                Duration.ofMinutes(5), Level.INFO, Main.defaultMaxConnections(), false, RulesetKind.FCNET),
                parse("/run/fcnetd.sock"));
    }

    @Test
    void everyOption() throws UsageException {
        Serve expected = new Serve(Path.of("s.sock"), OptionalInt.of(1000), OptionalInt.of(-2), Optional.of("a b=c"), true,
                Duration.ofSeconds(30), Level.WARNING, 7, true, RulesetKind.SETS);
        assertEquals(expected, parse("--uid", "1000", "--gid", "4294967294", "--password", "a b=c", "--allow-foreign",
                "--idle-timeout", "30", "--log-level", "warn", "--threads", "4", "--max-connections", "7",
                "--enable-forwarding", "--ruleset", "sets", "s.sock"));
        assertEquals(expected, parse("s.sock", "-U", "1000", "-G", "4294967294", "-p", "a b=c", "-t", "4", "-L", "warn",
                "--idle-timeout=30", "--allow-foreign", "--enable-forwarding", "--max-connections=7", "--ruleset=sets"));
        assertEquals(expected, parse("--uid=1000", "--gid=4294967294", "--password=a b=c", "--threads=4", "--log-level=warn",
                "--idle-timeout", "30", "--allow-foreign", "--max-connections", "7", "--enable-forwarding", "--ruleset", "sets",
                "s.sock"));
        assertEquals(RulesetKind.FCNET, ((Serve) parse("--ruleset", "fcnet", "x")).ruleset());
        assertEquals(Level.TRACE, ((Serve) parse("-L", "trace", "x")).logLevel());
        assertEquals(Level.DEBUG, ((Serve) parse("-L", "debug", "x")).logLevel());
        assertEquals(Level.ERROR, ((Serve) parse("-L", "error", "x")).logLevel());
        assertEquals(0, ((Serve) parse("x")).pool());
        assertEquals(40, ((Serve) parse("--pool", "40", "x")).pool());
        assertEquals(40, ((Serve) parse("x", "--pool=40")).pool());
        // A password may look like an option.
        assertEquals(Optional.of("--uid"), ((Serve) parse("-p", "--uid", "x")).password());
    }

    @Test
    void helpAndVersion() throws UsageException {
        assertInstanceOf(Main.Help.class, parse("-h", "--bogus"));
        assertInstanceOf(Main.Help.class, parse("--help"));
        assertInstanceOf(Main.Version.class, parse("-V"));
        assertInstanceOf(Main.Version.class, parse("x", "--version"));
        for (String flag : new String[] {"--uid", "--gid", "--password", "--allow-foreign", "--idle-timeout", "--log-level",
            "--threads", "--help", "--version", "0600", "0660", "--password-file", "--enable-forwarding", "--max-connections",
            "/proc/PID/cmdline", "tap_owner", "<SOCKET_PATH>.lock"}) {
            assertTrue(Main.HELP.contains(flag), flag);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|the socket path is required, as in: fcnetd [OPTIONS] /run/fcnetd.sock",
        "--uid 1|the socket path is required, as in: fcnetd [OPTIONS] /run/fcnetd.sock",
        "a b|unexpected argument b: the socket is a",
        "--bogus x|unknown option --bogus",
        "-x x|unknown option -x",
        "--uid=1 --uid 2 x|--uid is given twice",
        "x --allow-foreign --allow-foreign|--allow-foreign is given twice",
        "x --uid|--uid needs a value",
        "--uid -1 x|--uid: invalid value \"-1\"; expected a number from 0 to 4294967294",
        "--uid 4294967295 x|--uid: invalid value \"4294967295\"; expected a number from 0 to 4294967294",
        "--gid root x|--gid: invalid value \"root\"; expected a number from 0 to 4294967294",
        "--gid= x|--gid: invalid value \"\"; expected a number from 0 to 4294967294",
        "--idle-timeout 0 x|--idle-timeout: invalid value \"0\"; expected a number from 1 to 86400",
        "--idle-timeout 5m x|--idle-timeout: invalid value \"5m\"; expected a number from 1 to 86400",
        "--threads 0 x|--threads: invalid value \"0\"; expected a number from 1 to 2147483647",
        "-L verbose x|--log-level: invalid value \"verbose\"; expected trace, debug, info, warn or error",
        "-L Info x|--log-level: invalid value \"Info\"; expected trace, debug, info, warn or error",
        "--password= x|--password: the password is empty",
        "--max-connections 0 x|--max-connections: invalid value \"0\"; expected a number from 1 to 1000000",
        "x --enable-forwarding --enable-forwarding|--enable-forwarding is given twice",
        "x --pool 1 --pool=2|--pool is given twice",
        "x --pool -1|--pool: invalid value \"-1\"; expected a number from 0 to 100000",
        "--ruleset nft x|--ruleset: invalid value \"nft\"; expected fcnet or sets",
        "--ruleset sets --ruleset=fcnet x|--ruleset is given twice",
        "--password-file /nonexistent/pw x|--password-file: cannot read /nonexistent/pw: /nonexistent/pw: no such file or directory",
        "--password a --password-file /nonexistent/pw x|--password and --password-file are both given; use one"})
    void badCommandLines(String args, String message) {
        UsageException e = assertThrows(UsageException.class, () -> parse(args.isEmpty() ? new String[0] : args.split(" ")));
        assertEquals(message, e.getMessage(), Arrays.toString(args.split(" ")));
    }

    @Test
    void passwordsAreSingleLines() {
        assertEquals("--password: the password contains a line break; it must be a single line",
                assertThrows(UsageException.class, () -> parse("-p", "a\nb", "x")).getMessage());
    }

    /** The file's first line, without its line break; a file every user can read is refused. */
    @Test
    void passwordFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pw");
        Files.writeString(file, "s3cret pass\r\nsecond line\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(Optional.of("s3cret pass"), ((Serve) parse("--password-file", file.toString(), "x")).password());
        Files.writeString(file, "no newline");
        assertEquals(Optional.of("no newline"), ((Serve) parse("--password-file=" + file, "x")).password());
        Files.writeString(file, "\nafter an empty line");
        assertEquals("--password-file: the password is empty",
                assertThrows(UsageException.class, () -> parse("--password-file", file.toString(), "x")).getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("--password-file: " + file + " is readable by every user (mode 0644); make it private, e.g. chmod 600 "
                + file, assertThrows(UsageException.class, () -> parse("--password-file", file.toString(), "x")).getMessage());
    }

    @Test
    void aSocketThatCannotBeMadeIsOneLineAndExit1() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Serve s = new Serve(Path.of("/nonexistent/dir/fcnetd.sock"), OptionalInt.empty(), OptionalInt.empty(), Optional.empty(),
                false, Duration.ofMinutes(5), Level.INFO, 16, false, RulesetKind.FCNET);
        assertEquals(1, Main.serve(s, new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals("fcnetd: cannot listen on /nonexistent/dir/fcnetd.sock: /nonexistent/dir: no such directory"
                + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    }
}
