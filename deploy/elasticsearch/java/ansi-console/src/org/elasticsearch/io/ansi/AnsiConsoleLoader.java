/*
 * Part of fault-correlator's local stack (Apache-2.0).
 *
 * Stand-in for Elasticsearch's lib/tools/ansi-console jar, which is not published on Maven Central.
 *
 * The server loads the class of this exact name from lib/tools/ansi-console/*.jar, instantiates it with
 * its public no-argument constructor and calls get() once at start-up to obtain a console to print to.
 * The real implementation returns null when stdout is not a terminal, and the server then simply logs
 * without a console. Our server never runs on a terminal (its output goes to a log file), so this
 * provider always returns null.
 */
package org.elasticsearch.io.ansi;

import java.util.function.Supplier;

public final class AnsiConsoleLoader implements Supplier<Object> {

    public AnsiConsoleLoader() {}

    @Override
    public Object get() {
        return null;
    }
}
