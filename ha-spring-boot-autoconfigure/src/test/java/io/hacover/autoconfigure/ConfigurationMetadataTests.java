package io.hacover.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.hacover.core.ConnectionSettings;
import io.hacover.core.HaConnections;
import io.hacover.io.HaChannels;
import io.hacover.io.SocketOptions;
import io.hacover.jdbc.PostgresDeadPeerDetection;
import io.hacover.spring.RecoveryPolicyResolver;
import org.junit.jupiter.api.Test;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.ApplicationConversionService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata that the configuration processor writes for {@code ha.*}:
 * every key an IDE offers has a description, and a default where it has one, the one that
 * is bound and applied.
 */
class ConfigurationMetadataTests {

	private static final String METADATA = "META-INF/spring-configuration-metadata.json";

	@Test
	void everyHaPropertyHasADescription() throws IOException {
		List<Map<String, Object>> properties = haProperties();
		assertThat(properties).isNotEmpty();
		assertThat(properties).allSatisfy((property) -> assertThat((String) property.get("description"))
			.as("description of %s", property.get("name"))
			.isNotBlank());
	}

	@Test
	void everyHaKeyIsDescribed() throws IOException {
		List<Object> names = haProperties().stream().map((property) -> property.get("name")).toList();
		assertThat(names).contains("ha.enabled", "ha.stale-exceptions", "ha.connections", "ha.defaults.recovery",
				"ha.defaults.policy", "ha.defaults.retransmit", "ha.defaults.max-retransmissions",
				"ha.defaults.max-recoveries", "ha.defaults.max-consecutive-failures",
				"ha.defaults.backoff.initial-delay", "ha.defaults.backoff.multiplier", "ha.defaults.backoff.max-delay",
				"ha.defaults.backoff.max-attempts", "ha.defaults.backoff.budget", "ha.defaults.backoff.jitter");
	}

	@Test
	void everyHaKeyWithADefaultShowsItAndItIsTheOneBound() throws IOException {
		BeanWrapper defaults = new BeanWrapperImpl(new HaProperties());
		List<String> checked = new ArrayList<>();
		for (Map<String, Object> property : haProperties()) {
			String name = (String) property.get("name");
			String path = camelCase(name.substring("ha.".length()));
			assertThat(defaults.isReadableProperty(path)).as("%s is a property of HaProperties", name).isTrue();
			Object value = defaults.getPropertyValue(path);
			if (value == null || (value instanceof Collection<?> collection && collection.isEmpty())
					|| (value instanceof Map<?, ?> map && map.isEmpty())) {
				assertThat(property.get("defaultValue")).as("default of %s", name).isNull();
				continue;
			}
			Object shown = property.get("defaultValue");
			assertThat(shown).as("default of %s (bound: %s)", name, value).isNotNull();
			assertThat(
					ApplicationConversionService.getSharedInstance().convert(String.valueOf(shown), value.getClass()))
				.as("default of %s", name)
				.isEqualTo(value);
			checked.add(name);
		}
		assertThat(checked).contains("ha.enabled", "ha.defaults.retransmit", "ha.defaults.max-retransmissions",
				"ha.defaults.max-recoveries", "ha.defaults.max-consecutive-failures",
				"ha.defaults.backoff.initial-delay", "ha.defaults.backoff.multiplier", "ha.defaults.backoff.max-delay",
				"ha.defaults.backoff.max-attempts", "ha.defaults.backoff.budget", "ha.defaults.backoff.jitter",
				"ha.jdbc.enabled", "ha.jdbc.dead-peer-timeout", "ha.jdbc.replay.mode", "ha.jdbc.replay.max-statements",
				"ha.jdbc.replay.max-bytes");
	}

	@Test
	void theDefaultsShownAreTheEnginesAndTheCoversOwn() {
		HaProperties properties = new HaProperties();
		ConnectionSettings resolved = new ConnectionSettingsResolver(properties,
				List.of(RecoveryPolicyResolver.standard()), (name) -> null)
			.defaults();
		ConnectionSettings engine = ConnectionSettings.defaults();
		assertThat(resolved.retransmit()).isEqualTo(engine.retransmit());
		assertThat(resolved.maxRetransmissions()).isEqualTo(engine.maxRetransmissions());
		assertThat(resolved.maxRecoveries()).isEqualTo(engine.maxRecoveries());
		assertThat(resolved.maxConsecutiveFailures()).isEqualTo(engine.maxConsecutiveFailures());
		assertThat(resolved.policy()).hasToString(engine.policy().toString());
		assertThat(properties.getJdbc().getDeadPeerTimeout())
			.isEqualTo(PostgresDeadPeerDetection.DEFAULT_DEAD_PEER_TIMEOUT);
		assertThat(new HaProperties.Socket().getConnectTimeout()).isEqualTo(SocketOptions.DEFAULT_CONNECT_TIMEOUT);
		assertThat(new HaProperties.Socket().getReadTimeout()).isEqualTo(SocketOptions.DEFAULT_READ_TIMEOUT);
		assertThat(new HaProperties.Http().getReadTimeout()).isEqualTo(HaChannels.DEFAULT_TIMEOUT);
		assertThat(properties.getProbe().getInterval()).isEqualTo(HaConnections.DEFAULT_PROBE_INTERVAL);
	}

	@Test
	void durationsAreDescribedAsDurations() throws IOException {
		assertThat(haProperties())
			.filteredOn((property) -> property.get("name").toString().endsWith("-delay")
					|| property.get("name").toString().endsWith(".budget")
					|| property.get("name").toString().endsWith(".jitter"))
			.hasSize(4)
			.allSatisfy((property) -> assertThat(property.get("type")).isEqualTo("java.time.Duration"));
	}

	@Test
	void everyManagementKeyOfTheLibraryIsDescribed() throws IOException {
		List<Map<String, Object>> properties = properties("/management\\.(endpoint|health)\\.ha\\..*/");
		assertThat(properties).extracting((property) -> property.get("name"))
			.contains("management.endpoint.ha.access", "management.endpoint.ha.roles", "management.health.ha.enabled");
		assertThat(properties).allSatisfy((property) -> assertThat((String) property.get("description"))
			.as("description of %s", property.get("name"))
			.isNotBlank());
		assertThat(properties).filteredOn((property) -> property.get("name").equals("management.endpoint.ha.roles"))
			.singleElement()
			.satisfies((roles) -> assertThat(roles.get("defaultValue")).asString().contains("HA_ADMIN"));
	}

	private static String camelCase(String key) {
		StringBuilder path = new StringBuilder();
		boolean upper = false;
		for (char c : key.toCharArray()) {
			if (c == '-') {
				upper = true;
			}
			else {
				path.append(upper ? Character.toUpperCase(c) : c);
				upper = false;
			}
		}
		return path.toString();
	}

	private static List<Map<String, Object>> haProperties() throws IOException {
		return properties("/ha\\..*/");
	}

	private static List<Map<String, Object>> properties(String nameRegex) throws IOException {
		List<Map<String, Object>> properties = new ArrayList<>();
		for (URL url : Collections.list(ConfigurationMetadataTests.class.getClassLoader().getResources(METADATA))) {
			try (InputStream in = url.openStream()) {
				List<Map<String, Object>> found = JsonPath.read(in, "$.properties[?(@.name =~ " + nameRegex + ")]");
				properties.addAll(found);
			}
		}
		return properties;
	}

}
