package io.hacover.actuate;

import java.util.Set;

import io.hacover.actuate.HaEndpoint.ConnectionDescriptor;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.util.ClassUtils;

/**
 * The web face of the {@link HaEndpoint}: answers that say why.
 * <ul>
 * <li>an unknown connection gives 404 with a body that names it and lists the known
 * ones;</li>
 * <li>an unknown action, a missing or unknown recovery bean or a bad limit gives 400 with
 * the reason;</li>
 * <li>an action the connection's state does not allow (detaching a detached connection)
 * gives 409;</li>
 * <li>with Spring Security on the class path, a write needs an authenticated user (else
 * 401) in one of the configured roles (else 403), whatever the application's own security
 * rules let through. An empty set of roles lets any authenticated user write.</li>
 * </ul>
 */
@EndpointWebExtension(endpoint = HaEndpoint.class)
public class HaEndpointWebExtension {

	private static final boolean SPRING_SECURITY_PRESENT = ClassUtils
		.isPresent("org.springframework.security.core.Authentication", HaEndpointWebExtension.class.getClassLoader());

	private static final int STATUS_UNAUTHORIZED = 401;

	private static final int STATUS_FORBIDDEN = 403;

	private static final int STATUS_CONFLICT = 409;

	private final HaEndpoint endpoint;

	private final Set<String> roles;

	private final boolean securityPresent;

	/**
	 * Creates the extension.
	 * @param endpoint the endpoint
	 * @param roles the roles allowed to write when Spring Security is present; empty for
	 * any authenticated user
	 */
	public HaEndpointWebExtension(HaEndpoint endpoint, Set<String> roles) {
		this(endpoint, roles, SPRING_SECURITY_PRESENT);
	}

	HaEndpointWebExtension(HaEndpoint endpoint, Set<String> roles, boolean securityPresent) {
		this.endpoint = endpoint;
		this.roles = Set.copyOf(roles);
		this.securityPresent = securityPresent;
	}

	/**
	 * Shows one HA connection, or 404 with a body that says which exist.
	 * @param name the connection's name
	 * @return the connection, or the 404 answer
	 */
	@ReadOperation
	public WebEndpointResponse<Object> connection(@Selector String name) {
		ConnectionDescriptor connection = this.endpoint.connection(name);
		return (connection != null) ? new WebEndpointResponse<>(connection) : notFound(name);
	}

	/**
	 * Acts on one HA connection, as {@link HaEndpoint#change}, answering errors with a
	 * status and a reason.
	 * @param securityContext who asks
	 * @param name the connection's name
	 * @param action the action
	 * @param recovery for {@code replace}: the recovery bean's name
	 * @param maxRecoveries for {@code limit}
	 * @param maxConsecutiveFailures for {@code limit}
	 * @return the connection after the action, or the error answer
	 */
	@WriteOperation
	public WebEndpointResponse<Object> change(SecurityContext securityContext, @Selector String name, String action,
			@Nullable String recovery, @Nullable Long maxRecoveries, @Nullable Long maxConsecutiveFailures) {
		WebEndpointResponse<Object> refusal = refusal(securityContext);
		if (refusal != null) {
			return refusal;
		}
		try {
			ConnectionDescriptor connection = this.endpoint.change(name, action, recovery, maxRecoveries,
					maxConsecutiveFailures);
			return (connection != null) ? new WebEndpointResponse<>(connection) : notFound(name);
		}
		catch (InvalidEndpointRequestException ex) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, "Bad Request", ex.getReason());
		}
		catch (IllegalStateException ex) {
			return error(STATUS_CONFLICT, "Conflict", ex.getMessage());
		}
	}

	private @Nullable WebEndpointResponse<Object> refusal(SecurityContext securityContext) {
		if (!this.securityPresent) {
			return null;
		}
		if (securityContext.getPrincipal() == null) {
			return error(STATUS_UNAUTHORIZED, "Unauthorized",
					"changing an HA connection needs an authenticated user with one of the roles " + this.roles);
		}
		if (this.roles.isEmpty() || this.roles.stream().anyMatch(securityContext::isUserInRole)) {
			return null;
		}
		return error(STATUS_FORBIDDEN, "Forbidden", "changing an HA connection needs one of the roles " + this.roles
				+ "; grant one, or change management.endpoint.ha.roles");
	}

	private WebEndpointResponse<Object> notFound(String name) {
		return error(WebEndpointResponse.STATUS_NOT_FOUND, "Not Found",
				"no HA connection is named '" + name + "'; known: "
						+ this.endpoint.connections().connections().stream().map(ConnectionDescriptor::name).toList());
	}

	private static WebEndpointResponse<Object> error(int status, String error, String message) {
		return new WebEndpointResponse<>(new ErrorDescriptor(status, error, message), status);
	}

	/**
	 * Why a request was refused.
	 *
	 * @param status the HTTP status
	 * @param error the status's reason phrase
	 * @param message what was wrong and what to do
	 */
	public record ErrorDescriptor(int status, String error, String message) {

	}

}
