package io.hacover.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the library masks in text that operators read.
 */
class CredentialMaskerTests {

	@Test
	@DisplayName("The user information of a URL is masked, the host and path stay")
	void userInformationOfUrlsIsMasked() {
		assertThat(CredentialMasker.mask("GET https://alice:s3cret@files.example/a.bin failed"))
			.isEqualTo("GET https://******@files.example/a.bin failed");
		assertThat(CredentialMasker.mask("jdbc:postgresql://app:s3cret@db:5432/orders"))
			.isEqualTo("jdbc:postgresql://******@db:5432/orders");
		assertThat(CredentialMasker.mask("see http://host/path?mail=a@b")).isEqualTo("see http://host/path?mail=a@b");
	}

	@Test
	@DisplayName("Values of keys that name a secret are masked, in URLs, properties and JSON-like text")
	void secretValuesAreMasked() {
		assertThat(CredentialMasker.mask("jdbc:postgresql://db/orders?user=app&password=s3cret&ssl=true"))
			.isEqualTo("jdbc:postgresql://db/orders?user=app&password=******&ssl=true");
		assertThat(CredentialMasker.mask("token=abc.def api-key: XYZ secret=1 pwd=2 access_token=q"))
			.doesNotContain("abc.def", "XYZ", "=1", "=2", "=q");
		assertThat(CredentialMasker.mask("Authorization: Bearer eyJhbGciOi.x.y"))
			.isEqualTo("Authorization: Bearer ******");
	}

	@Test
	@DisplayName("Text without credentials is left as it is, and null stays null")
	void otherTextIsUnchanged() {
		assertThat(CredentialMasker.mask("Connection reset by peer")).isEqualTo("Connection reset by peer");
		assertThat(CredentialMasker.mask(null)).isNull();
	}

	@Test
	@DisplayName("H18: the last failure of a connection and the text of its events keep no secret")
	void lastFailureAndEventsAreMasked() {
		HaConnections connections = FastSettings.table();
		StringBuilder events = new StringBuilder();
		connections.addListener((event) -> events.append(event).append('\n'));
		Probe connection = connections.attach(Attachment.of(Probe.class, (argument) -> {
			throw new java.net.SocketException("cannot reach jdbc:postgresql://app:s3cret@db/x?password=s3cret");
		}).name("secretive").recovery((context) -> null));
		org.assertj.core.api.Assertions.catchThrowable(() -> connection.call("x"));
		ConnectionInfo info = connections.find("secretive").orElseThrow();
		assertThat(info.lastFailure().message()).contains("******").doesNotContain("s3cret");
		assertThat(events.toString()).contains("RECOVERY_STARTED", "GAVE_UP").doesNotContain("s3cret");
	}

}
