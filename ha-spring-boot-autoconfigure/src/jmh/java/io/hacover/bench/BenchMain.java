package io.hacover.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks and recovery scenarios and prints each figure beside its baseline,
 * the ratio and whether the target is met (README, "Performance").
 * <p>
 * System properties: {@code bench.mode} {@code quick} (about 3 minutes on 2 cores) or
 * {@code full}; {@code bench.include}, a regular expression that selects the groups to
 * run by name ({@code HappyPath}, {@code Jdbc}, {@code JdbcAllocation}, {@code Recovery},
 * {@code Failover}, {@code SingleFlight}, {@code VirtualThreads}, which needs Java 21 or
 * later; empty for all); {@code bench.jdbc}, a regular expression that selects the JDBC groups
 * by name (for example {@code insertTransaction|commitId|readTransaction}; empty for
 * all). The summary is also written to {@code target/bench-summary.txt}.
 */
public final class BenchMain {

	private static final String HAPPY = BenchMain.class.getPackageName() + ".HappyPath";

	private static final String JDBC = JdbcBenchmark.class.getName();

	private BenchMain() {
	}

	/**
	 * Runs the groups the system properties select and prints the summary.
	 * @param args not used
	 * @throws Exception if a benchmark or scenario fails
	 */
	public static void main(String[] args) throws Exception {
		Mode mode = Mode.valueOf(System.getProperty("bench.mode", "quick").trim().toUpperCase(Locale.ROOT));
		String include = System.getProperty("bench.include", "").trim();
		Pattern selected = Pattern.compile(include.isEmpty() ? ".*" : ".*(" + include + ").*");
		String loadBefore = load();
		long started = System.nanoTime();
		Map<String, RunResult> results = new LinkedHashMap<>();
		if (selected.matcher("HappyPath").matches()) {
			run(mode.happyPath(), Pattern.quote(HAPPY) + ".*", results);
		}
		if (selected.matcher("Jdbc").matches()) {
			String groups = System.getProperty("bench.jdbc", "").trim();
			run(mode.jdbc(), Pattern.quote(JDBC) + (groups.isEmpty() ? ".*" : "\\.(" + groups + ")$"), results);
		}
		if (selected.matcher("JdbcAllocation").matches()) {
			run(mode.happyPath(), Pattern.quote(JdbcAllocationBenchmark.class.getName()) + ".*", results);
		}
		List<Outcome> recoveries = selected.matcher("Recovery").matches()
				? new RecoveryScenarios(mode.outages, Duration.ofSeconds(2)).run() : List.of();
		List<Outcome> failovers = selected.matcher("Failover").matches()
				? new FailoverScenario(mode.failovers).run() : List.of();
		SingleFlightScenario.Result singleFlight = selected.matcher("SingleFlight").matches()
				? new SingleFlightScenario(64, mode.singleFlightOutages, Duration.ofMillis(500)).run() : null;
		boolean virtualThreads = selected.matcher("VirtualThreads").matches();
		List<VirtualThreadScenario.Result> virtual = (virtualThreads && VirtualThreadScenario.available())
				? new VirtualThreadScenario(Duration.ofSeconds(mode.steadySeconds), mode.virtualOutages,
						Duration.ofSeconds(2))
					.run()
				: List.of();
		Summary summary = new Summary();
		summary.line("hacover benchmarks, mode " + mode.name().toLowerCase(Locale.ROOT) + ": "
				+ System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
				+ Runtime.getRuntime().availableProcessors() + " CPUs, " + cpu());
		summary.line("load average before: " + loadBefore + ", after: " + load() + "; took "
				+ TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s");
		summary.happyPath(results);
		summary.jdbc(results);
		summary.allocation(results);
		summary.outcomes("Recovery after a 2 s PostgreSQL outage: ms from the server accepting connections to the "
				+ "first successful call", recoveries);
		if (!recoveries.isEmpty()) {
			summary.line("");
			summary.line("Load on a PostgreSQL server that is down for 2 s, per second: readiness probes, reconnect "
					+ "attempts");
			for (int connections : new int[] { 1, 100 }) {
				for (boolean probes : new boolean[] { true, false }) {
					double[] load = RecoveryScenarios.loadWhileDown(connections, probes, Duration.ofSeconds(2));
					summary.line(String.format(Locale.ROOT, "%3d HA connections, %-9s %8.1f probes/s %8.1f attempts/s",
							connections, probes ? "probes" : "no probes", load[0], load[1]));
				}
			}
		}
		summary.outcomes("Failover to a promoted synchronous standby, multi-host URL: ms from pg_promote() to the "
				+ "first successful call", failovers);
		summary.singleFlight(singleFlight);
		if (virtualThreads) {
			summary.virtualThreads(virtual, mode.steadySeconds);
		}
		String text = summary.toString();
		System.out.println();
		System.out.print(text);
		Path file = Path.of("target", "bench-summary.txt");
		Files.createDirectories(file.getParent());
		Files.writeString(file, text, StandardCharsets.UTF_8);
	}

	private static void run(ChainedOptionsBuilder options, String benchmarks, Map<String, RunResult> results)
			throws Exception {
		options.include(benchmarks);
		Collection<RunResult> run = new Runner(options.build()).run();
		for (RunResult result : run) {
			String name = result.getParams().getBenchmark();
			results.put(name.substring(name.lastIndexOf('.') + 1), result);
		}
	}

	private static String load() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " " + fields[1] + " " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return "unknown";
		}
	}

	private static String cpu() {
		try {
			return Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("unknown CPU");
		}
		catch (IOException ex) {
			return "unknown CPU";
		}
	}

	private enum Mode {

		QUICK(new Plan(1, 2, 3, 1), new Plan(1, 2, 3, 2), 3, 3, 3, 3, 2),

		FULL(new Plan(3, 5, 5, 1), new Plan(2, 3, 5, 5), 15, 10, 10, 10, 5);

		private final Plan happyPath;

		private final Plan jdbc;

		private final int outages;

		private final int singleFlightOutages;

		private final int failovers;

		private final int steadySeconds;

		private final int virtualOutages;

		Mode(Plan happyPath, Plan jdbc, int outages, int singleFlightOutages, int failovers, int steadySeconds,
				int virtualOutages) {
			this.happyPath = happyPath;
			this.jdbc = jdbc;
			this.outages = outages;
			this.singleFlightOutages = singleFlightOutages;
			this.failovers = failovers;
			this.steadySeconds = steadySeconds;
			this.virtualOutages = virtualOutages;
		}

		ChainedOptionsBuilder happyPath() {
			return this.happyPath.options().addProfiler(GCProfiler.class);
		}

		ChainedOptionsBuilder jdbc() {
			return this.jdbc.options();
		}

	}

	/**
	 * How JMH runs a group of benchmarks: forks, warm-up and measured iterations, seconds
	 * per iteration.
	 */
	private record Plan(int forks, int warmups, int iterations, int seconds) {

		ChainedOptionsBuilder options() {
			return new OptionsBuilder().forks(this.forks)
				.warmupIterations(this.warmups)
				.warmupTime(TimeValue.seconds(this.seconds))
				.measurementIterations(this.iterations)
				.measurementTime(TimeValue.seconds(this.seconds));
		}

	}

	/**
	 * The table printed at the end.
	 */
	private static final class Summary {

		private final StringBuilder text = new StringBuilder();

		void line(String line) {
			this.text.append(line).append('\n');
		}

		void happyPath(Map<String, RunResult> results) {
			RunResult direct = results.get("direct");
			if (direct == null) {
				return;
			}
			double directNs = score(direct);
			double directBytes = allocated(direct);
			line("");
			line("Happy path: one call, ns/op (lower is better) and bytes allocated per call (-prof gc)");
			line(String.format(Locale.ROOT, "%-24s %10s %8s %8s %10s %10s", "call", "ns/op", "±", "B/op", "vs direct",
					"extra ns"));
			List<String> rows = List.of("direct", "ha", "haJdkProxy", "resilience4jRetry", "frameworkRetryTemplate",
					"springRetryTemplate", "directWithArgument", "haWithArgument", "haJdkProxyWithArgument");
			double cheapestLibrary = Double.MAX_VALUE;
			for (String row : rows) {
				RunResult result = results.get(row);
				if (result == null) {
					continue;
				}
				RunResult baseline = row.endsWith("WithArgument") ? results.get("directWithArgument") : direct;
				double ns = score(result);
				line(String.format(Locale.ROOT, "%-24s %10.2f %8.2f %8.1f %9.2fx %10.2f", label(row), ns,
						result.getPrimaryResult().getScoreError(), allocated(result), ns / score(baseline),
						ns - score(baseline)));
				if (row.contains("Retry")) {
					cheapestLibrary = Math.min(cheapestLibrary, ns);
				}
			}
			RunResult ha = results.get("ha");
			if (ha != null) {
				double extraNs = score(ha) - directNs;
				double extraBytes = allocated(ha) - directBytes;
				line(target("ha: at most 15 ns above direct", extraNs <= 15,
						String.format(Locale.ROOT, "%+.2f ns", extraNs)));
				line(target("ha: 0 bytes per call above direct", extraBytes < 0.5,
						String.format(Locale.ROOT, "%+.1f B", extraBytes)));
				if (cheapestLibrary < Double.MAX_VALUE) {
					line(target("ha: cheaper than every retry library", score(ha) < cheapestLibrary,
							String.format(Locale.ROOT, "%.2f ns vs %.2f ns", score(ha), cheapestLibrary)));
				}
			}
		}

		void jdbc(Map<String, RunResult> results) {
			List<String[]> pairs = List.of(new String[] { "select 1", "selectOne", "plainSelectOne", "haSelectOne" },
					new String[] { "insert", "insert", "plainInsert", "haInsert" },
					new String[] { "select 1 on a held connection", "selectOneHeld", "plainSelectOneHeld",
							"haSelectOneHeld" },
					new String[] { "select 1, HikariCP over HA", "selectOnePoolOverHa",
							"plainSelectOneBesidePoolOverHa", "poolOverHaSelectOne" },
					new String[] { "insert transaction, fsync on", "insertTransaction", "plainInsertTransaction",
							"haInsertTransaction" },
					new String[] { "id before COMMIT, fsync on", "commitId", "plainInsertTransactionBesideId",
							"plainInsertTransactionWithId", "0.95" },
					new String[] { "id before COMMIT, fsync off", "commitIdNoFsync",
							"plainInsertTransactionBesideIdNoFsync", "plainInsertTransactionWithIdNoFsync", "0.95" },
					new String[] { "read transaction, fsync on", "readTransaction", "plainReadTransaction",
							"haReadTransaction" },
					new String[] { "replay soak transaction, fsync on", "replayTransaction",
							"plainReplayTransaction", "haReplayTransaction" });
			boolean header = false;
			for (String[] pair : pairs) {
				RunResult group = results.get(pair[1]);
				if (group == null) {
					continue;
				}
				if (!header) {
					line("");
					line("JDBC on embedded PostgreSQL, ops/s (higher is better); plain and HA run side by side, one "
							+ "thread each; a connection per operation unless held");
					line(String.format(Locale.ROOT, "%-30s %12s %12s %8s %s", "operation", "HikariCP", "HA", "HA/plain",
							"target"));
					header = true;
				}
				double plain = group.getSecondaryResults().get(pair[2]).getScore();
				double ha = group.getSecondaryResults().get(pair[3]).getScore();
				double ratio = ha / plain;
				double target = (pair.length > 4) ? Double.parseDouble(pair[4]) : 0.97;
				line(String.format(Locale.ROOT, "%-30s %12.0f %12.0f %8.3f >= %.2f %s", pair[0], plain, ha, ratio,
						target, (ratio >= target) ? "met" : "MISSED"));
			}
		}

		void allocation(Map<String, RunResult> results) {
			List<String[]> pairs = List.of(
					new String[] { "prepared select ?, held", "plainPreparedSelect", "haPreparedSelect" },
					new String[] { "transaction (logged for replay)", "plainTransaction", "haTransaction" });
			boolean header = false;
			for (String[] pair : pairs) {
				RunResult plain = results.get(pair[1]);
				RunResult ha = results.get(pair[2]);
				if (plain == null || ha == null) {
					continue;
				}
				if (!header) {
					line("");
					line("JDBC statements, each benchmark alone on a held connection (HikariCP, and HikariCP over HA): "
							+ "ns/op and bytes allocated per operation (-prof gc); the transaction reads a balance and "
							+ "writes two rows");
					line(String.format(Locale.ROOT, "%-32s %10s %10s %8s %10s %10s %10s", "operation", "plain ns",
							"HA ns", "HA/plain", "plain B", "HA B", "extra B"));
					header = true;
				}
				double extra = allocated(ha) - allocated(plain);
				line(String.format(Locale.ROOT, "%-32s %10.0f %10.0f %8.3f %10.1f %10.1f %+10.1f", pair[0],
						score(plain), score(ha), score(ha) / score(plain), allocated(plain), allocated(ha), extra));
				if (pair[1].equals("plainPreparedSelect")) {
					line(target("HA statement outside a transaction: 0 bytes above plain", extra < 0.5,
							String.format(Locale.ROOT, "%+.1f B", extra)));
				}
			}
		}

		void outcomes(String title, List<Outcome> outcomes) {
			if (outcomes.isEmpty()) {
				return;
			}
			line("");
			line(title);
			line(String.format(Locale.ROOT, "%-42s %8s %8s %8s %8s %8s %s", "caller", "outages", "median", "p90", "max",
					"errors", "median vs @Retryable"));
			double baseline = outcomes.get(0).median();
			for (Outcome outcome : outcomes) {
				line(String.format(Locale.ROOT, "%-42s %8d %8.1f %8.1f %8.1f %8d %.2fx", outcome.name(),
						outcome.millis().size(), outcome.median(), outcome.p90(), outcome.max(), outcome.errors(),
						outcome.median() / baseline));
			}
			for (Outcome outcome : outcomes) {
				if (outcome.firstError() != null) {
					line("first error of " + outcome.name() + ": " + outcome.firstError());
				}
			}
		}

		void singleFlight(SingleFlightScenario.Result result) {
			if (result == null) {
				return;
			}
			line("");
			line(result.threads() + " threads on one HA connection, " + result.outages()
					+ " kills and restarts of its server (0.5 s outage)");
			line(target("recoveries per outage: " + result.recoveriesPerOutage() + " (target 1)",
					result.maxRecoveriesPerOutage() == 1, "recovered " + result.recovered() + " times"));
			line("recovery function calls: " + result.recoveryCalls()
					+ " (its attempts while the server is down, spaced by the default policy)");
			line(target("errors surfaced: " + result.errors() + " (target 0)", result.errors() == 0, ""));
		}

		void virtualThreads(List<VirtualThreadScenario.Result> results, int steadySeconds) {
			line("");
			line(VirtualThreadScenario.THREADS + " virtual threads, SELECT 1 through a HikariCP pool of "
					+ VirtualThreadScenario.POOL + ": calls/s over " + steadySeconds + " s with the server up, then "
					+ "fast stops of 2 s: ms from the server accepting connections to the first and the "
					+ VirtualThreadScenario.THREADS + "th successful call, errors, threads served in the run");
			if (results.isEmpty()) {
				line("skipped: virtual threads need Java 21 or later, this run is on " + Runtime.version().feature());
				return;
			}
			line(String.format(Locale.ROOT, "%-26s %9s %8s %8s %8s %8s %6s %7s %s", "caller", "calls/s", "vs plain",
					"first", "1000th", "max", "errors", "served", "HA connections"));
			for (VirtualThreadScenario.Result result : results) {
				line(result.line(results.get(0)));
			}
		}

		private static String label(String row) {
			return switch (row) {
				case "ha" -> "ha, generated class";
				case "haJdkProxy" -> "ha, JDK proxy (before)";
				case "haWithArgument" -> "ha(arg), generated";
				case "haJdkProxyWithArgument" -> "ha(arg), JDK proxy";
				case "directWithArgument" -> "direct(arg)";
				default -> row;
			};
		}

		private static String target(String what, boolean met, String figure) {
			return String.format(Locale.ROOT, "%-60s %-24s %s", what, figure, met ? "met" : "MISSED");
		}

		private static double score(RunResult result) {
			return result.getPrimaryResult().getScore();
		}

		private static double allocated(RunResult result) {
			for (Map.Entry<String, Result> entry : result.getSecondaryResults().entrySet()) {
				if (entry.getKey().endsWith("gc.alloc.rate.norm")) {
					return entry.getValue().getScore();
				}
			}
			return Double.NaN;
		}

		@Override
		public String toString() {
			return this.text.toString();
		}

	}

}
