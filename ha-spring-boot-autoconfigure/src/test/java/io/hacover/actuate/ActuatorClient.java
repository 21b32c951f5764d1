package io.hacover.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.springframework.boot.json.JsonParserFactory;

/**
 * A plain HTTP client for the actuator endpoints of an application under test, with
 * optional basic authentication.
 */
final class ActuatorClient {

	private final HttpClient http = HttpClient.newHttpClient();

	private final int port;

	ActuatorClient(int port) {
		this.port = port;
	}

	Reply get(String path) throws IOException, InterruptedException {
		return send(request(path, null).GET());
	}

	Reply post(String path, String json) throws IOException, InterruptedException {
		return post(path, json, null);
	}

	Reply post(String path, String json, String userAndPassword) throws IOException, InterruptedException {
		return send(request(path, userAndPassword).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json)));
	}

	private HttpRequest.Builder request(String path, String userAndPassword) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
		if (userAndPassword != null) {
			request.header("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8)));
		}
		return request;
	}

	private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		return new Reply(response.statusCode(), response.body());
	}

	/**
	 * A status and body.
	 *
	 * @param status the HTTP status
	 * @param body the body text
	 */
	record Reply(int status, String body) {

		Map<String, Object> json() {
			return JsonParserFactory.getJsonParser().parseMap(this.body);
		}

		@SuppressWarnings("unchecked")
		<T> T at(String path) {
			Object node = json();
			for (String key : path.split("\\.")) {
				node = ((Map<String, Object>) node).get(key);
			}
			return (T) node;
		}

	}

}
