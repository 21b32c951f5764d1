package io.hacover.io;

import java.nio.channels.SeekableByteChannel;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What a native image needs for the HA connections of the channel and socket covers: it
 * cannot define classes at run time, so each is a JDK dynamic proxy of the cover's
 * interface, whose methods the engine issues by reflection.
 */
class CoverRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
		for (Class<?> type : new Class<?>[] { SeekableByteChannel.class, SocketConnection.class }) {
			hints.proxies().registerJdkProxy(type);
			hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
		}
	}

}
