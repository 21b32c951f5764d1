package io.hacover.sample;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the demo, under {@code sample.*}.
 *
 * @param example what runs: {@code outages} (the demo), or one of the example programs of
 * the C library's guide, {@code remote-file} or {@code checkpoint}
 * @param outages how many times the server is killed and restarted
 * @param outageInterval how long the clients call between two outages
 * @param downtime how long the server stays down in each outage
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("outages") String example, @DefaultValue("5") int outages,
		@DefaultValue("2s") Duration outageInterval, @DefaultValue("300ms") Duration downtime) {

	private static final List<String> EXAMPLES = List.of("outages", "remote-file", "checkpoint");

	/**
	 * Checks that {@code example} names a program of the app.
	 */
	public SampleProperties {
		if (!EXAMPLES.contains(example)) {
			throw new IllegalArgumentException(
					"sample.example is '" + example + "'; it must be one of " + String.join(", ", EXAMPLES));
		}
	}

}
