package io.hacover.sample;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import io.hacover.core.HaConnections;
import io.hacover.core.RecoveryFunction;
import io.hacover.io.HaChannels;
import io.hacover.spring.BeanNameRecoveryFunction;
import io.hacover.spring.HaAware;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The live demo ({@code sample.example=demo}, the default): four servers embedded in the
 * application, an HA connection to each, made three ways, a workload on each connection,
 * and the chaos that kills the servers in turn.
 * <ul>
 * <li>PostgreSQL, and {@code orders}, a data source declared in {@code application.yml}
 * (the group {@code jdbc}) whose connections are HA connections;</li>
 * <li>a PostgreSQL primary and its synchronous standby, which the chaos fails over, and
 * {@code ledger}, a data source declared the same way on a multi-host URL that names both
 * (J9);</li>
 * <li>a TCP line server, and {@code greeting}, an {@link HaAware @HaAware} client bean
 * recovered by the {@code reconnect} recovery bean;</li>
 * <li>an HTTP file server, and {@code files}, an HA channel on one of its files opened
 * through {@link HaChannels}, recovered by the {@code resumeReading} recovery bean.</li>
 * </ul>
 * Each server is a bean whose {@code close()} stops it when the application stops, and
 * deletes what it kept on disk.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sample.example", havingValue = "demo", matchIfMissing = true)
@EnableScheduling
class LiveDemoConfiguration {

	private static final Log logger = LogFactory.getLog(LiveDemoConfiguration.class);

	// The servers. A bean that takes one as a parameter is made after it, so the server
	// runs before anything connects to it.

	@Bean
	EmbeddedDatabaseServer databaseServer(SampleProperties properties) throws IOException {
		return EmbeddedDatabaseServer.start(properties.servers().postgresPort());
	}

	@Bean
	EmbeddedDatabasePair databasePair(SampleProperties properties) throws IOException, SQLException {
		return EmbeddedDatabasePair.start(properties.servers().failoverPortA(), properties.servers().failoverPortB());
	}

	@Bean
	EmbeddedLineServer lineServer(SampleProperties properties) throws IOException {
		return EmbeddedLineServer.start(properties.servers().linePort());
	}

	@Bean
	EmbeddedHttpFileServer fileServer(SampleProperties properties) throws IOException {
		return EmbeddedHttpFileServer.serving(Map.of(FileWorkload.FILE, FileWorkload.content()),
				properties.servers().filesPort());
	}

	// The connections: 'orders' and 'ledger' are declared in application.yml.

	@Bean
	@HaAware(recovery = "reconnect", name = "greeting")
	GreetingClient greetingClient(EmbeddedLineServer lineServer) throws IOException {
		return SocketGreetingClient.connect(lineServer.address());
	}

	@Bean
	SeekableByteChannel files(HaChannels channels, EmbeddedHttpFileServer fileServer, BeanFactory beanFactory)
			throws IOException {
		return channels.open("files", fileServer.uri(FileWorkload.FILE),
				(attachment) -> attachment.recovery(new BeanNameRecoveryFunction<>(beanFactory, "resumeReading")));
	}

	// The recovery beans. 'reconnectAndLog' is there to be switched to at run time:
	// POST /actuator/ha/greeting {"action":"replace","recovery":"reconnectAndLog"}.
	// 'resumeReading' reopens the file at the byte reached, as the built-in recovery of
	// HA channels does: an application would rebuild its own state here.

	@Bean
	RecoveryFunction<GreetingClient> reconnect(EmbeddedLineServer lineServer) {
		return (context) -> reconnect(context.failedResource(), lineServer);
	}

	@Bean
	RecoveryFunction<GreetingClient> reconnectAndLog(EmbeddedLineServer lineServer) {
		return (context) -> {
			logger.info("%s: reconnecting to %s, attempt %d".formatted(context.name(), lineServer.address(),
					context.attempt()));
			return reconnect(context.failedResource(), lineServer);
		};
	}

	/**
	 * Closes the failed client, connects a new one, and sets on it the name the failed
	 * one had set: the server lost it with the old connection. The sample's tests check
	 * this with the test kit (GreetingContractTests).
	 */
	private static GreetingClient reconnect(GreetingClient failed, EmbeddedLineServer lineServer) throws IOException {
		failed.close();
		GreetingClient fresh = SocketGreetingClient.connect(lineServer.address());
		if (failed.name() != null) {
			fresh.setName(failed.name());
		}
		return fresh;
	}

	@Bean
	RecoveryFunction<SeekableByteChannel> resumeReading() {
		return HaChannels::reopenAtPosition;
	}

	// The workloads, each called every 100 ms.

	// 'orders' and 'ledger', declared in application.yml, take no server as a parameter:
	// each workload, which connects at once, names the database it needs.
	@Bean
	@DependsOn("databaseServer")
	OrdersWorkload ordersWorkload(DataSource orders, HaConnections connections) throws SQLException {
		return new OrdersWorkload(orders, connections);
	}

	@Bean
	@DependsOn("databasePair")
	LedgerWorkload ledgerWorkload(DataSource ledger, HaConnections connections) throws SQLException {
		return new LedgerWorkload(ledger, connections);
	}

	@Bean
	GreetingWorkload greetingWorkload(GreetingClient greetingClient, HaConnections connections) {
		return new GreetingWorkload(greetingClient, connections.control(greetingClient).info().name());
	}

	@Bean
	FileWorkload fileWorkload(SeekableByteChannel files, HaConnections connections) {
		return new FileWorkload(files, connections.control(files).info().name(), FileWorkload.content());
	}

	// The chaos, and the log of what happens to the connections.

	@Bean
	Chaos chaos(EmbeddedDatabaseServer databaseServer, EmbeddedLineServer lineServer, EmbeddedHttpFileServer fileServer,
			EmbeddedDatabasePair databasePair, SampleProperties properties, TaskScheduler taskScheduler) {
		Map<String, EmbeddedServer> servers = new LinkedHashMap<>();
		servers.put("postgres", databaseServer);
		servers.put("line", lineServer);
		servers.put("files", fileServer);
		// Killing the pair fails it over: its primary crashes and its standby takes over;
		// the restart makes the crashed node the new standby.
		servers.put("failover", databasePair);
		return new Chaos(servers, properties.chaos(), taskScheduler);
	}

	@Bean
	RecoveryLog recoveryLog(ObjectProvider<HaConnections> connections) {
		return new RecoveryLog(connections);
	}

}
