package io.hacover.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the demo, under {@code sample.*}.
 *
 * @param outages how many times the server is killed and restarted
 * @param outageInterval how long the clients call between two outages
 * @param downtime how long the server stays down in each outage
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("5") int outages, @DefaultValue("2s") Duration outageInterval,
		@DefaultValue("300ms") Duration downtime) {

}
