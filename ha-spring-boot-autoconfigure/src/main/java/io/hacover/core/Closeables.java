package io.hacover.core;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Closes resources that are being given up.
 */
final class Closeables {

	private static final Log logger = LogFactory.getLog(Closeables.class);

	private Closeables() {
	}

	/**
	 * Closes the resource if it is {@link AutoCloseable}, logging (at debug level)
	 * instead of throwing.
	 * @param resource the resource, may be {@code null}
	 */
	static void closeQuietly(Object resource) {
		if (resource instanceof AutoCloseable closeable) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				logger.debug("Ignored failure to close " + resource.getClass().getName(), ex);
			}
		}
	}

}
