/*
 * Part of fault-correlator's local stack (Apache-2.0).
 *
 * Stand-in for Elasticsearch's entitlement agent, which is not published on Maven Central.
 *
 * At start-up the server attaches to itself (VirtualMachine.loadAgent) with the one jar found in
 * lib/entitlement-agent/ and passes, as the agent argument, the name of the class that sets up the
 * entitlement instrumentation. All the agent has to do is hand it the Instrumentation instance:
 * call that class's static initialize(Instrumentation).
 */
package faultcorrelator.esagent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public final class EntitlementAgent {

    private EntitlementAgent() {}

    public static void agentmain(String initializerClass, Instrumentation instrumentation) throws Exception {
        if (initializerClass == null || initializerClass.isBlank()) {
            throw new IllegalArgumentException("entitlement agent: missing initializer class name argument");
        }
        Class<?> initializer = Class.forName(initializerClass);
        Method initialize = initializer.getMethod("initialize", Instrumentation.class);
        try {
            initialize.invoke(null, instrumentation);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
