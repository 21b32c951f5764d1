package io.hacover.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata that the configuration processor writes for {@code ha.*}:
 * every key an IDE offers has a description.
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
