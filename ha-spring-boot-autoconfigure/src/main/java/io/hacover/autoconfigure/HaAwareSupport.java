package io.hacover.autoconfigure;

import io.hacover.core.HaConnections;

/**
 * What the {@link HaAwareBeanPostProcessor} needs from the context, gathered in one bean
 * so that the post-processor (created early) can fetch it when it first meets an
 * {@link HaAware} bean.
 *
 * @param connections the table of HA connections
 * @param properties the bound {@code ha.*} properties
 * @param settings resolves each connection's settings
 */
record HaAwareSupport(HaConnections connections, HaProperties properties, ConnectionSettingsResolver settings) {

}
