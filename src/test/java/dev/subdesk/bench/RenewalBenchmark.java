package dev.subdesk.bench;

import dev.subdesk.SubdeskApplication;
import dev.subdesk.renewals.Jobs;
import dev.subdesk.renewals.RenewalEngine;
import dev.subdesk.renewals.RenewalTimings;
import dev.subdesk.renewals.RunResult;
import dev.subdesk.testing.RenewalSeeder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The renewal benchmark (bench/run-renewal-bench.sh): seeds N monthly subscriptions due for renewal straight into
 * the embedded PostgreSQL with COPY, then times one engine run renewing all of them through the sandbox gateway,
 * and prints renewals/s, the peak heap and where the time went. Run with {@code -Xmx512m} to hold the heap limit.
 * Arguments: the number of subscriptions, then any {@code --property=value} for the server.
 */
public final class RenewalBenchmark {

	private RenewalBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int count = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 100_000;
		Path dataDir = Files.createTempDirectory("subdesk-renewal-bench");
		java.util.List<String> springArgs = new java.util.ArrayList<>(java.util.List.of("--server.port=0",
				"--subdesk.api.key=bench", "--subdesk.data-dir=" + dataDir, "--subdesk.jobs.initial-delay=PT24H",
				"--logging.level.root=WARN"));
		springArgs.addAll(java.util.Arrays.asList(args).subList(Math.min(1, args.length), args.length));
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SubdeskApplication.class)
			.run(springArgs.toArray(String[]::new))) {
			DataSource dataSource = app.getBean(DataSource.class);
			long seedStart = System.nanoTime();
			String prefix = RenewalSeeder.seed(dataSource, count, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60));
			double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
			System.out.printf("seeded %,d due subscriptions with COPY in %.1f s%n", count, seedSeconds);
			if (Boolean.getBoolean("bench.withoutWebhookTrigger")) {
				// To split the cost of the events from that of the webhook fan-out queue fed from them; the events
				// appended in this run then never reach the webhooks.
				JdbcClient.create(dataSource).sql("ALTER TABLE domain_event DISABLE TRIGGER domain_event_webhook_fanout").update();
				System.out.println("webhook fan-out trigger disabled (-Dbench.withoutWebhookTrigger=true)");
			}
			StatementProfile.reset(dataSource);

			resetPeakHeap();
			CpuTime cpu = CpuTime.of(dataSource);
			long jvmBefore = cpu.jvmMillis();
			long postgresBefore = cpu.postgresMillis();
			WriteVolume writesBefore = WriteVolume.of(dataSource);
			RenewalTimings timings = app.getBean(RenewalEngine.class).timings();
			timings.reset();
			long start = System.nanoTime();
			RunResult result = app.getBean(Jobs.class).runDue();
			double seconds = (System.nanoTime() - start) / 1e9;
			RenewalTimings.Snapshot split = timings.snapshot();
			long jvmCpu = cpu.jvmMillis() - jvmBefore;
			long postgresCpu = cpu.postgresMillis() - postgresBefore;

			long charged = JdbcClient.create(dataSource)
				.sql("SELECT count(*) FROM charges WHERE subscription_id LIKE :p AND status = 'SUCCEEDED' AND period_start > created_at - interval '1 day'")
				.param("p", prefix + "%")
				.query(Long.class)
				.single();
			long other = Math.max(0, (long) (seconds * 1000) - split.databaseMillis() - split.gatewayMillis());
			System.out.printf("renewed %,d of %,d (charges recorded: %,d), failed %d, in %.2f s%n", result.renewed(), count,
					charged, result.failed(), seconds);
			System.out.printf("renewals/s          %,.0f%n", result.renewed() / seconds);
			System.out.printf("peak heap           %,d MB (max %,d MB)%n", peakHeap() / (1024 * 1024),
					Runtime.getRuntime().maxMemory() / (1024 * 1024));
			System.out.printf("time split          database %,d ms (of which notices %,d ms), gateway %,d ms, other (sweep, JVM) %,d ms%n",
					split.databaseMillis(), split.noticeMillis(), split.gatewayMillis(), other);
			System.out.printf("CPU                 server JVM %,d ms, PostgreSQL %,d ms (%.0f + %.0f us a renewal)%n", jvmCpu,
					postgresCpu, 1000.0 * jvmCpu / Math.max(1, result.renewed()),
					1000.0 * postgresCpu / Math.max(1, result.renewed()));
			WriteVolume.of(dataSource).minus(writesBefore).print(result.renewed());
			StatementProfile.print(dataSource);
			String ceiling = "";
			if (!"false".equals(System.getProperty("bench.ceiling"))) {
				ceiling = ceiling(app, dataSource, prefix, cpu, result.renewed() / seconds);
			}
			System.out.printf("RESULT n=%d renewals_per_s=%.0f seconds=%.2f peak_heap_mb=%d db_ms=%d notices_ms=%d gateway_ms=%d jvm_cpu_ms=%d pg_cpu_ms=%d%s%n",
					count, result.renewed() / seconds, seconds, peakHeap() / (1024 * 1024), split.databaseMillis(),
					split.noticeMillis(), split.gatewayMillis(), jvmCpu, postgresCpu, ceiling);
		}
		finally {
			deleteQuietly(dataDir);
		}
	}

	/**
	 * Renews the same subscriptions once more by SQL alone ({@link RenewalCeiling}), with the engine's workers and
	 * batch size, and prints it beside the engine's figure; the fields it adds to the RESULT line.
	 */
	private static String ceiling(ConfigurableApplicationContext app, DataSource dataSource, String prefix, CpuTime cpu,
			double enginePerSecond) throws Exception {
		int workers = app.getEnvironment().getProperty("subdesk.renewals.workers", Integer.class, 3);
		int batch = app.getEnvironment().getProperty("subdesk.renewals.batch-size", Integer.class, 1000);
		StatementProfile.reset(dataSource);
		long postgresBefore = cpu.postgresMillis();
		RenewalCeiling.Result ceiling = RenewalCeiling.run(dataSource, prefix, Instant.now().plus(java.time.Duration.ofDays(40)),
				workers, batch);
		long postgresCpu = cpu.postgresMillis() - postgresBefore;
		System.out.printf("PostgreSQL-only ceiling (the same rows by SQL alone, %d workers, batches of %,d): renewed %,d "
				+ "(charges %,d, notices %,d, events %,d) in %.2f s%n", workers, batch, ceiling.renewed(), ceiling.charges(),
				ceiling.notices(), ceiling.events(), ceiling.seconds());
		System.out.printf("ceiling renewals/s  %,.0f, PostgreSQL CPU %,d ms (%.0f us a renewal)%n", ceiling.perSecond(),
				postgresCpu, 1000.0 * postgresCpu / Math.max(1, ceiling.renewed()));
		System.out.printf("engine / ceiling    %.2f%n", enginePerSecond / ceiling.perSecond());
		StatementProfile.print(dataSource);
		return " ceiling_per_s=%.0f ceiling_seconds=%.2f ceiling_pg_cpu_ms=%d ratio=%.2f".formatted(ceiling.perSecond(),
				ceiling.seconds(), postgresCpu, enginePerSecond / ceiling.perSecond());
	}

	private static void resetPeakHeap() {
		System.gc();
		ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter(pool -> pool.getType() == MemoryType.HEAP)
			.forEach(MemoryPoolMXBean::resetPeakUsage);
	}

	private static long peakHeap() {
		return ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter(pool -> pool.getType() == MemoryType.HEAP)
			.mapToLong(pool -> pool.getPeakUsage().getUsed())
			.sum();
	}

	private static void deleteQuietly(Path dir) throws java.io.IOException {
		try (var paths = Files.walk(dir)) {
			paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
	}
}
