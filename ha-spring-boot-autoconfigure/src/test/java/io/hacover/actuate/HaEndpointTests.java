package io.hacover.actuate;

import java.io.IOException;
import java.net.SocketException;

import io.hacover.actuate.HaEndpoint.ConnectionDescriptor;
import io.hacover.core.Attachment;
import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The {@link HaEndpoint} without the web: what it shows and how it answers bad input.
 */
class HaEndpointTests {

	private final HaConnections connections = HaConnections.create();

	private final DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();

	private final HaEndpoint endpoint = new HaEndpoint(this.connections, this.beanFactory);

	@Test
	@DisplayName("H18: a connection is shown with its kind, type, recovery, duplicates, limits and counters")
	void showsEveryConnection() {
		Remote remote = this.connections
			.attach(Attachment.of(Remote.class, () -> "ok").name("remote").kind("socket").recovery((context) -> null));
		this.connections.duplicate(remote);
		ConnectionDescriptor shown = this.endpoint.connection("remote");
		assertThat(shown.kind()).isEqualTo("socket");
		assertThat(shown.type()).isEqualTo(Remote.class.getName());
		assertThat(shown.state()).isEqualTo("ATTACHED");
		assertThat(shown.recovery()).isEqualTo("function in " + HaEndpointTests.class.getName());
		assertThat(shown.recoveryBean()).isNull();
		assertThat(shown.duplicates()).isOne();
		assertThat(shown.limits().maxRecoveries()).isEqualTo(-1);
		assertThat(shown.counters().recoveriesSucceeded()).isZero();
		assertThat(shown.lastFailure()).isNull();
		assertThat(this.endpoint.connections().connections()).extracting(ConnectionDescriptor::name)
			.containsExactly("remote");
		assertThat(this.endpoint.connection("nosuch")).isNull();
	}

	@Test
	@DisplayName("H18: the last failure is shown with its type and a message whose credentials are masked")
	void lastFailureIsShownMasked() {
		Remote remote = this.connections.attach(Attachment.of(Remote.class, () -> {
			throw new SocketException("reset by https://alice:s3cret@files.example/?token=t0ken");
		}).name("remote").recovery((context) -> null));
		catchThrowable(remote::call);
		ConnectionDescriptor shown = this.endpoint.connection("remote");
		assertThat(shown.state()).isEqualTo("FAILED");
		assertThat(shown.lastFailure().type()).isEqualTo(SocketException.class.getName());
		assertThat(shown.lastFailure().message()).contains("files.example").doesNotContain("s3cret", "t0ken");
	}

	@Test
	@DisplayName("H3, H4: replace names a RecoveryFunction bean, which is then shown; anything else is refused")
	void replaceNeedsARecoveryBean() {
		this.connections.attach(Attachment.of(Remote.class, () -> "ok").name("remote").recovery((context) -> null));
		RecoveryFunction<Remote> fresh = (context) -> () -> "fresh";
		this.beanFactory.registerSingleton("freshRemote", fresh);
		this.beanFactory.registerSingleton("notARecovery", "text");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.change("remote", "replace", null, null, null))
			.withMessageContaining("needs 'recovery'")
			.withMessageContaining("freshRemote");
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.change("remote", "replace", "notARecovery", null, null))
			.withMessageContaining("no RecoveryFunction bean is named 'notARecovery'");
		ConnectionDescriptor replaced = this.endpoint.change("remote", "replace", "freshRemote", null, null);
		assertThat(replaced.recoveryBean()).isEqualTo("freshRemote");
		assertThat(replaced.recovery()).isEqualTo("freshRemote");
	}

	@Test
	@DisplayName("H5, H22: actions the state does not allow fail with the reason; unknown names give null")
	void stateConflictsAndUnknownNames() {
		this.connections.attach(Attachment.of(Remote.class, () -> "ok").name("remote").recovery((context) -> null));
		assertThat(this.endpoint.change("remote", "detach", null, null, null).state()).isEqualTo("DETACHED");
		assertThatIllegalStateException().isThrownBy(() -> this.endpoint.change("remote", "detach", null, null, null))
			.withMessageContaining("not attached");
		assertThat(this.endpoint.change("remote", "ATTACH", null, null, null).state()).isEqualTo("ATTACHED");
		assertThat(this.endpoint.change("nosuch", "detach", null, null, null)).isNull();
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> this.endpoint.change("remote", "limit", null, null, null))
			.withMessageContaining("maxRecoveries");
	}

	@Test
	@DisplayName("A connection opened with its own reopen shows 'reopen' as its recovery")
	void reopenIsNamed() throws Exception {
		this.connections.open(Attachment.opening(Remote.class, () -> () -> "ok").name("opened"));
		assertThat(this.endpoint.connection("opened").recovery()).isEqualTo("reopen");
	}

	/**
	 * A resource of the tests.
	 */
	interface Remote {

		String call() throws IOException;

	}

}
