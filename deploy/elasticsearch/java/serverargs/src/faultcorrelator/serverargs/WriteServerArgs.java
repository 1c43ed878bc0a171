/*
 * Part of fault-correlator's local stack (Apache-2.0).
 *
 * Elasticsearch 8.x servers do not parse a command line: they read a serialized ServerArgs record from
 * stdin (normally written by the server CLI launcher, which is not on Maven Central) and shut down when
 * stdin closes. This program builds that record the way the launcher does and writes it to a file:
 *
 *   java -cp 'lib/*:serverargs.jar' -Des.path.home=HOME -Des.path.conf=CONF \
 *        faultcorrelator.serverargs.WriteServerArgs OUTPUT_FILE
 *
 * The settings are the result of reading CONF/elasticsearch.yml (plus path.home), so the file must be
 * written again whenever elasticsearch.yml changes. The keystore is a new, empty, unprotected one.
 */
package faultcorrelator.serverargs;

import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.common.io.stream.OutputStreamStreamOutput;
import org.elasticsearch.common.settings.KeyStoreWrapper;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

public final class WriteServerArgs {

    private WriteServerArgs() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: WriteServerArgs OUTPUT_FILE  (with -Des.path.home and -Des.path.conf set)");
            System.exit(64);
        }
        String home = required("es.path.home");
        String conf = required("es.path.conf");
        Path output = Path.of(args[0]).toAbsolutePath();

        Map<String, String> overrides = new HashMap<>();
        overrides.put("path.home", home);
        String nodeName = System.getProperty("fc.node.name", "fault-correlator-local");
        Environment env = InternalSettingsPreparer.prepareEnvironment(Settings.EMPTY, overrides, Path.of(conf), () -> nodeName);

        ServerArgs serverArgs = new ServerArgs(
            false, // daemonize
            false, // quiet
            null,  // pid file: the stack manager keeps its own
            KeyStoreWrapper.create(),
            env.settings(),
            env.configDir(),
            env.logsDir()
        );

        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp));
             OutputStreamStreamOutput out = new OutputStreamStreamOutput(os)) {
            serverArgs.writeTo(out);
        }
        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("wrote " + output + " (" + Files.size(output) + " bytes) for node [" + env.settings().get("node.name") + "]");
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            System.err.println("missing system property -D" + property);
            System.exit(64);
        }
        return value;
    }
}
