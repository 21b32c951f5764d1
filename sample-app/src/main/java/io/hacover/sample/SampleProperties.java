package io.hacover.sample;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the sample, under {@code sample.*}.
 *
 * @param example what runs: {@code demo} (the live demo), or one of the example programs
 * of the C library's guide, {@code remote-file} or {@code checkpoint}
 * @param servers the ports of the live demo's embedded servers
 * @param chaos how the live demo kills and restarts its servers
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("demo") String example, @DefaultValue Servers servers,
		@DefaultValue Chaos chaos) {

	private static final List<String> EXAMPLES = List.of("demo", "remote-file", "checkpoint");

	/**
	 * Checks that {@code example} names a program of the app.
	 */
	public SampleProperties {
		if (!EXAMPLES.contains(example)) {
			throw new IllegalArgumentException(
					"sample.example is '" + example + "'; it must be one of " + String.join(", ", EXAMPLES));
		}
	}

	/**
	 * The ports of the live demo's embedded servers on the loopback interface, fixed so
	 * that the connections declared in {@code application.yml} can name them.
	 *
	 * @param postgresPort the port of the PostgreSQL server
	 * @param linePort the port of the TCP line server
	 * @param filesPort the port of the HTTP file server
	 * @param failoverPortA the port of the first primary of the failover pair
	 * @param failoverPortB the port of the first standby of the failover pair
	 */
	public record Servers(@DefaultValue("54329") int postgresPort, @DefaultValue("54330") int linePort,
			@DefaultValue("54331") int filesPort, @DefaultValue("54332") int failoverPortA,
			@DefaultValue("54333") int failoverPortB) {

	}

	/**
	 * How the live demo kills and restarts its servers.
	 *
	 * @param enabled whether to kill a server every {@code interval}, in turn
	 * @param interval how long between two kills
	 * @param downtime how long a killed server stays down
	 */
	public record Chaos(@DefaultValue("false") boolean enabled, @DefaultValue("3s") Duration interval,
			@DefaultValue("500ms") Duration downtime) {

	}

}
