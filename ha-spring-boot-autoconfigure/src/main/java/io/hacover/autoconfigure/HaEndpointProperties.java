package io.hacover.autoconfigure;

import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@code ha} actuator endpoint, beside Boot's own
 * {@code management.endpoint.ha.access}.
 */
@ConfigurationProperties("management.endpoint.ha")
public class HaEndpointProperties {

	/**
	 * Roles allowed to use the endpoint's write operations when Spring Security is
	 * present; empty to allow any authenticated user.
	 */
	private Set<String> roles = Set.of("HA_ADMIN");

	public Set<String> getRoles() {
		return this.roles;
	}

	public void setRoles(Set<String> roles) {
		this.roles = roles;
	}

}
