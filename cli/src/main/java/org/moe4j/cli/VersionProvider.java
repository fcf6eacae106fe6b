package org.moe4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Reads the version Maven wrote into version.properties at build time. */
final class VersionProvider implements CommandLine.IVersionProvider {
    static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {
                "moe4j " + version(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + "), "
                        + Runtime.getRuntime().availableProcessors() + " cores"
        };
    }
}
