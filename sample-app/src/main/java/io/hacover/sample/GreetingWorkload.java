package io.hacover.sample;

/**
 * The socket workload: sends a numbered greeting to the line server through the
 * {@link io.hacover.spring.HaAware @HaAware} {@link GreetingClient} and checks that the
 * reply is the greeting. When the server is killed, the call is held while the client
 * reconnects, then issued again on the new connection: it never fails.
 */
final class GreetingWorkload extends Workload {

	private final GreetingClient client;

	private final String connectionName;

	private long sent;

	GreetingWorkload(GreetingClient client, String connectionName) {
		super("greeting");
		this.client = client;
		this.connectionName = connectionName;
	}

	@Override
	public String connection() {
		return this.connectionName;
	}

	@Override
	protected void call() throws Exception {
		String greeting = "hello #" + (++this.sent);
		String reply = this.client.echo(greeting);
		if (!greeting.equals(reply)) {
			throw new IllegalStateException("sent '" + greeting + "', the reply was '" + reply + "'");
		}
	}

}
