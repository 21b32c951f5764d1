package io.hacover.jdbc;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The servers a JDBC URL names, whose readiness probes a recovery waits on (H12), as
 * pgjdbc parses the URL.
 */
class EndpointsOfTests {

	@Test
	@DisplayName("H12: a multi-host PostgreSQL URL names each of its servers, 5432 where no port is given")
	void multiHostUrlNamesEachServer() {
		assertThat(HaDataSource.endpointsOf("jdbc:postgresql://db-a:5433,db-b/app?targetServerType=primary"))
			.containsExactly(InetSocketAddress.createUnresolved("db-a", 5433),
					InetSocketAddress.createUnresolved("db-b", 5432));
	}

	@Test
	@DisplayName("H12: another kind of URL names no server, so its recoveries sleep out their back-off")
	void otherUrlsNameNoServer() {
		assertThat(HaDataSource.endpointsOf("jdbc:h2:mem:test")).isEmpty();
		assertThat(HaDataSource.endpointsOf(null)).isEmpty();
	}

}
