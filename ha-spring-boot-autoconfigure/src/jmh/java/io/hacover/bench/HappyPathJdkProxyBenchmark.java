package io.hacover.bench;

import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;

import io.hacover.bench.HappyPathBenchmark.Counter;
import io.hacover.bench.HappyPathBenchmark.PlainCounter;
import io.hacover.core.HaConnections;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The calls of {@link HappyPathBenchmark} on an HA connection that is a JDK dynamic
 * proxy, as every HA connection was before the generated classes (the Spring property
 * {@code hacover.jdk-proxies=true} still makes them so).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = "-Dhacover.jdk-proxies=true")
public class HappyPathJdkProxyBenchmark {

	private Counter ha;

	private int argument;

	@Setup
	public void setUp() {
		Counter resource = new PlainCounter();
		this.ha = HaConnections.create().attach(Counter.class, resource, (context) -> resource);
		if (!Proxy.isProxyClass(this.ha.getClass())) {
			throw new IllegalStateException("the HA connection is not a JDK proxy: " + this.ha.getClass());
		}
		this.argument = 7;
	}

	@Benchmark
	public int haJdkProxy() {
		return this.ha.next();
	}

	@Benchmark
	public long haJdkProxyWithArgument() {
		return this.ha.add(this.argument);
	}

}
