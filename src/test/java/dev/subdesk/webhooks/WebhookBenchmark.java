package dev.subdesk.webhooks;

import com.sun.net.httpserver.HttpServer;
import dev.subdesk.SubdeskApplication;
import dev.subdesk.bench.StatementProfile;
import dev.subdesk.renewals.Jobs;
import dev.subdesk.testing.RenewalSeeder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The webhook benchmark (bench/run-webhook-bench.sh): on the embedded PostgreSQL, with one endpoint on a local
 * receiver answering 204 at once ({@link LeanReceiver}; {@code -Dbench.receiver=jdk} for the JDK's HttpServer),
 * <ol>
 * <li>the PostgreSQL-only ceiling: the dispatcher's own statements (fan-out, claim, record) for N events with no
 * HTTP at all;</li>
 * <li>events delivered per second: N events appended in bulk (two per subject, as a renewal appends
 * {@code subscription.renewed} and {@code charge.succeeded}) while the dispatcher runs, and the lag of the last
 * delivery behind the end of the appends;</li>
 * <li>the lag behind a renewal run of R subscriptions, when the renewal engine appends events (part A of issue 10);
 * otherwise it says so.</li>
 * </ol>
 * Arguments: N events (default 200,000), R renewals (default 100,000; 0 skips), then {@code --property=value}.
 */
public final class WebhookBenchmark {

	private WebhookBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 200_000;
		int renewals = args.length > 1 ? Integer.parseInt(args[1].replace("_", "")) : 100_000;
		Path dataDir = Files.createTempDirectory("subdesk-webhook-bench");
		List<String> springArgs = new java.util.ArrayList<>(List.of("--server.port=0", "--subdesk.api.key=bench",
				"--subdesk.data-dir=" + dataDir, "--subdesk.jobs.initial-delay=PT24H", "--logging.level.root=WARN",
				"--subdesk.webhooks.allow-private=true", "--subdesk.webhooks.enabled=false",
				"--subdesk.demo.seed=false"));
		springArgs.addAll(java.util.Arrays.asList(args).subList(Math.min(2, args.length), args.length));
		Arrivals received = new Arrivals();
		// -Dbench.receiver=jdk: the JDK's HttpServer instead of the lean receiver, to compare what each costs
		boolean jdkReceiver = "jdk".equals(System.getProperty("bench.receiver"));
		HttpServer jdk = jdkReceiver ? jdkReceiver(received) : null;
		LeanReceiver lean = jdkReceiver ? null : new LeanReceiver(received);
		int receiverPort = jdk != null ? jdk.getAddress().getPort() : lean.port();
		System.out.println("receiver: " + (jdk != null ? "the JDK's HttpServer" : "LeanReceiver (one NIO thread)"));
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SubdeskApplication.class)
			.run(springArgs.toArray(String[]::new))) {
			DataSource dataSource = app.getBean(DataSource.class);
			JdbcClient jdbc = JdbcClient.create(dataSource);
			WebhookProperties configured = app.getBean(WebhookProperties.class);
			WebhookProperties live = new WebhookProperties(true, true, configured.perEndpoint(), configured.interval(),
					configured.batch(), configured.timeout(), configured.lease());
			Dispatcher dispatcher = new Dispatcher(jdbc, app.getBean(TransactionTemplate.class), app.getBean(Clock.class),
					live, app.getBean(WebhookMeters.class), app.getBean(SealedSecrets.class));
			String url = "http://127.0.0.1:" + receiverPort + "/hook";
			app.getBean(WebhookEndpoints.class).create(url, List.of("*"), "bench");

			// 1. the ceiling: the dispatcher's statements alone (claims of up to per-endpoint deliveries, as one node)
			append(jdbc, events);
			long start = System.nanoTime();
			while (dispatcher.fanOut() > 0) {
				// fan out everything
			}
			double fanOutSeconds = (System.nanoTime() - start) / 1e9;
			long recorded = 0;
			while (true) {
				List<Dispatcher.Claim> claims = dispatcher.claim();
				if (claims.isEmpty()) {
					break;
				}
				for (Dispatcher.Claim claim : claims) {
					dispatcher.succeeded(claim, 204, Duration.ZERO);
				}
				recorded += dispatcher.recordSuccesses();
				dispatcher.forget(claims);
			}
			double ceilingSeconds = (System.nanoTime() - start) / 1e9;
			System.out.printf("PostgreSQL-only ceiling: %,d events fanned out in %.1f s, %,d deliveries claimed and "
					+ "recorded, %.1f s in all: %,.0f events/s%n", events, fanOutSeconds, recorded, ceilingSeconds,
					recorded / ceilingSeconds);

			// 2. delivered per second while events are appended in bulk
			jdbc.sql("DELETE FROM webhook_delivery").update();
			dispatcher.start();
			start = System.nanoTime();
			append(jdbc, events);
			long appended = System.nanoTime();
			received.await(events, Duration.ofMinutes(30));
			double seconds = (received.lastAt() - start) / 1e9;
			double lag = (received.lastAt() - appended) / 1e9;
			double deliveredPerSecond = received.count() / seconds;
			System.out.printf("delivered %,d events to a local receiver in %.1f s: %,.0f events/s; appends took %.1f s, "
					+ "last delivery %.1f s after the last append%n", received.count(), seconds, received.count() / seconds,
					(appended - start) / 1e9, lag);

			// 3. the lag behind a renewal run
			String renewalResult = "skipped";
			if (renewals > 0) {
				long before = jdbc.sql("SELECT count(*) FROM domain_event").query(Long.class).single();
				RenewalSeeder.seed(dataSource, renewals, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60));
				long already = received.count();
				StatementProfile.reset(dataSource);
				long runStart = System.nanoTime();
				app.getBean(Jobs.class).runDue();
				long runEnd = System.nanoTime();
				long made = jdbc.sql("SELECT count(*) FROM domain_event").query(Long.class).single() - before;
				if (made == 0) {
					renewalResult = "the renewal engine of this build appends no events (part A of issue 10): no lag to measure";
				}
				else {
					received.await(already + made, Duration.ofMinutes(30));
					renewalResult = "%,d renewals in %.1f s appended %,d events; the last was delivered %.1f s after the run ended"
						.formatted(renewals, (runEnd - runStart) / 1e9, made, (received.lastAt() - runEnd) / 1e9);
				}
				System.out.println("renewal run: " + renewalResult);
				StatementProfile.print(dataSource);
			}
			dispatcher.stop();
			System.out.printf("RESULT events=%d ceiling_events_per_s=%.0f delivered_per_s=%.0f lag_after_appends_s=%.1f%n",
					events, recorded / ceilingSeconds, deliveredPerSecond, lag);
		}
		finally {
			if (jdk != null) {
				jdk.stop(0);
			}
			if (lean != null) {
				lean.close();
			}
			try (var paths = Files.walk(dataDir)) {
				paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
			}
		}
	}

	private static HttpServer jdkReceiver(Arrivals received) throws java.io.IOException {
		HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
		receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
		receiver.createContext("/hook", exchange -> {
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
			received.arrived();
		});
		receiver.start();
		return receiver;
	}

	/** Appends {@code count} events, two per subject (renewed, then charge succeeded), in transactions of 2,000. */
	private static void append(JdbcClient jdbc, int count) {
		String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
		int subjects = count / 2;
		for (int from = 0; from < subjects; from += 1000) {
			jdbc.sql("""
					INSERT INTO domain_event (id, type, subject_id, sequence, data, created_at)
					SELECT 'evt_' || :run || 'x' || s || 'x' || n,
					    CASE n WHEN 1 THEN 'subscription.renewed' ELSE 'charge.succeeded' END, 'sub_' || :run || 'x' || s, n,
					    json_build_object('id', 'sub_' || :run || 'x' || s, 'status', 'ACTIVE', 'planCode',
					        'antivirus-monthly', 'currentPeriodEnd', now() + interval '1 month', 'autoRenew', true,
					        'price', json_build_object('amount', 599, 'currency', 'USD')), now()
					FROM generate_series(:from, :to) s, generate_series(1, 2) n ORDER BY s, n
					""").param("run", run).param("from", from).param("to", Math.min(from + 1000, subjects) - 1).update();
		}
	}

}
