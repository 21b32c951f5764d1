package io.hacover.sample;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hacover.core.RecoveryFunction;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the live page shows besides {@code /actuator/ha}: the workloads, the last events,
 * the chaos; and a way to kill a server now.
 * <ul>
 * <li>{@code GET /api/demo}: {@code writable} (whether the {@code ha} endpoint takes
 * writes), {@code recoveryBeans} (the {@link RecoveryFunction} beans an operator may
 * switch a connection to) and {@code recoveryBeanTypes} (what each one recovers, to
 * compare with the {@code type} of a connection), the {@code workloads} with their
 * counters, the last {@value RecoveryLog#KEPT} {@code events}, newest first, and the
 * {@code chaos} settings, with the servers that are {@code down} now;</li>
 * <li>{@code POST /api/chaos/{server}}: kills the server ({@code postgres}, {@code line}
 * or {@code files}) now and restarts it after the downtime, or fails the {@code failover}
 * pair over now and makes its crashed primary a standby again after the downtime;
 * {@code 202}, or {@code 404} for an unknown server, and always {@code 404} unless the
 * demo is writable (the {@code demo} profile).</li>
 * </ul>
 */
@RestController
@ConditionalOnProperty(name = "sample.example", havingValue = "demo", matchIfMissing = true)
class DemoController {

	private final List<Workload> workloads;

	private final RecoveryLog log;

	private final Chaos chaos;

	private final ConfigurableListableBeanFactory beanFactory;

	private final boolean writable;

	DemoController(List<Workload> workloads, RecoveryLog log, Chaos chaos, ConfigurableListableBeanFactory beanFactory,
			Environment environment) {
		this.workloads = workloads;
		this.log = log;
		this.chaos = chaos;
		this.beanFactory = beanFactory;
		this.writable = environment.getProperty("management.endpoint.ha.access", Access.class,
				Access.READ_ONLY) == Access.UNRESTRICTED;
	}

	@GetMapping("/api/demo")
	Demo demo() {
		Map<String, String> recoveryBeans = new LinkedHashMap<>();
		for (String name : this.beanFactory.getBeanNamesForType(RecoveryFunction.class, true, false)) {
			Class<?> type = this.beanFactory.getMergedBeanDefinition(name)
				.getResolvableType()
				.as(RecoveryFunction.class)
				.getGeneric(0)
				.resolve();
			recoveryBeans.put(name, (type != null) ? type.getName() : null);
		}
		List<WorkloadStatus> workloads = this.workloads.stream()
			.map((workload) -> new WorkloadStatus(workload.name(), workload.connection(), workload.calls(),
					workload.errors(), workload.unexpectedErrors()))
			.toList();
		SampleProperties.Chaos settings = this.chaos.settings();
		return new Demo(this.writable, List.copyOf(recoveryBeans.keySet()), recoveryBeans, workloads,
				this.log.entries(), new ChaosStatus(settings.enabled(), settings.interval().toString(),
						this.chaos.servers(), this.chaos.down()));
	}

	@PostMapping("/api/chaos/{server}")
	ResponseEntity<?> kill(@PathVariable String server) {
		if (!this.writable) {
			return error(HttpStatus.NOT_FOUND, "killing servers is open in the demo profile only");
		}
		if (!this.chaos.servers().contains(server)) {
			return error(HttpStatus.NOT_FOUND, "no server is named '" + server + "'; known: " + this.chaos.servers());
		}
		this.chaos.kill(server);
		return ResponseEntity.accepted().body(Map.of("server", server));
	}

	private static ResponseEntity<ErrorBody> error(HttpStatus status, String message) {
		return ResponseEntity.status(status).body(new ErrorBody(status.value(), status.getReasonPhrase(), message));
	}

	/**
	 * The answer of {@code GET /api/demo}.
	 *
	 * @param writable whether the {@code ha} endpoint takes writes and servers can be
	 * killed on demand
	 * @param recoveryBeans the names of the recovery beans
	 * @param recoveryBeanTypes what each recovery bean recovers: the interface of its
	 * connections, {@code null} if unknown
	 * @param workloads the workloads
	 * @param events the last events, newest first
	 * @param chaos the chaos settings
	 */
	record Demo(boolean writable, List<String> recoveryBeans, Map<String, String> recoveryBeanTypes,
			List<WorkloadStatus> workloads, List<RecoveryLog.Entry> events, ChaosStatus chaos) {

	}

	/**
	 * A workload and its counters.
	 *
	 * @param name its name
	 * @param connection the HA connection it calls
	 * @param calls its calls
	 * @param errors its calls that failed, expected or not
	 * @param unexpectedErrors its calls that failed unexpectedly
	 */
	record WorkloadStatus(String name, String connection, long calls, long errors, long unexpectedErrors) {

	}

	/**
	 * The chaos settings.
	 *
	 * @param enabled whether a server is killed every interval
	 * @param interval the interval, ISO-8601
	 * @param servers the servers, in the order they are killed
	 * @param down the servers killed and not back yet
	 */
	record ChaosStatus(boolean enabled, String interval, List<String> servers, List<String> down) {

	}

	/**
	 * An error answer.
	 *
	 * @param status the HTTP status
	 * @param error its reason phrase
	 * @param message what went wrong
	 */
	record ErrorBody(int status, String error, String message) {

	}

}
